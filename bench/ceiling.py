"""The ceiling: the least a WSGI app can do, a fixed JSON body for any request.

`bench/run_load.py` serves it under the same gunicorn settings and the same
load as the service; what it sustains is what gunicorn, the network stack and
the load generator allow on this machine, and each endpoint's throughput is
reported as a share of it.
"""

BODY = b'{"status": "ok"}'
HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]


def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
