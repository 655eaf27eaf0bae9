"""gunicorn for 医保经办: `gunicorn -c deploy/gunicorn.conf.py config.wsgi:application`.
Every value can be changed by the environment of the service (deploy/yibao.env)."""

import os
import sys
from pathlib import Path

from gunicorn.glogging import Logger

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from core.logs import MaskIdNumbers  # noqa: E402

# Only the TLS proxy on this host talks to gunicorn: Django trusts its X-Forwarded-Proto
# (SECURE_PROXY_SSL_HEADER), so nobody else may reach this port.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers, two per core: pages are short, imports above IMPORT_BACKGROUND_ROWS go to Celery.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1)))
# A spreadsheet below IMPORT_BACKGROUND_ROWS rows is checked during its upload request.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
# Workers are replaced now and then, so memory a large request took is given back.
max_requests = 2000
max_requests_jitter = 200
# Both logs to the service's output (journald). The access line names the path without its
# query string (`%(U)s`, a search may carry an ID number) and the request id of the app's logs.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms request=%({x-request-id}o)s'


class MaskingLogger(Logger):
    """gunicorn's own error and access lines with ID numbers masked, as the app's are."""

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            log.addFilter(MaskIdNumbers())


logger_class = MaskingLogger
