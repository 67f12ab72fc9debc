"""The three engines the benchmark drives with the same workload (see bench/workload.py).

Each module offers the same four things, used by bench/cases_throughput.py:

    NAME                      the label in the table
    prepare(url)              once, in the main process: schema and reference data in its own database
    open_runner(url)          in each worker process: a Runner (one connection, counting its writes)
    concluded(url) -> int     after the run: how many cases the database holds as concluded
"""
