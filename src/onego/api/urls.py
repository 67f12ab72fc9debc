from ninja import NinjaAPI

api = NinjaAPI(title="OneGo API", version="1", urls_namespace="api-v1")
