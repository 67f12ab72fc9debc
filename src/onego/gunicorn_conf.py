"""gunicorn's settings for `onego serve --production` (address and worker count come from its command
line, from ONEGO_HOST, ONEGO_PORT and ONEGO_WEB_WORKERS). docs/deployment.md explains the choices."""

wsgi_app = "onego.wsgi:application"
# The access log is OneGo's own (onego.access, core/middleware.py): masked, JSON lines. gunicorn's would
# print raw paths with ID numbers in them.
accesslog = None
errorlog = "-"
loglevel = "info"
# Synchronous workers: requests are short; documents and deliveries run in the task worker.
worker_class = "sync"
timeout = 60
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (memory held by a large import or report is given back).
max_requests = 2000
max_requests_jitter = 200
# Heartbeat files on tmpfs, not on a disk that may stall.
worker_tmp_dir = "/dev/shm"  # noqa: S108 - gunicorn's documented choice on Linux
# Only a proxy on this machine may tell gunicorn the request came over HTTPS (Django itself trusts
# X-Forwarded-Proto only with ONEGO_PROXY_SSL_HEADER=1).
forwarded_allow_ips = "127.0.0.1,::1"
# gunicorn's control socket (a fixed path in the home directory) is not used; two instances on one
# machine would fight over it.
control_socket_disable = True
