"""Sample gunicorn configuration for production: `gunicorn -c docs/gunicorn.conf.py "course_engine:create_app()"`."""
import multiprocessing

bind = "127.0.0.1:8000"
workers = max(2, multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"
timeout = 30
graceful_timeout = 30
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = "127.0.0.1"
