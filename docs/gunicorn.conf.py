"""Sample gunicorn configuration for production: `gunicorn -c docs/gunicorn.conf.py "course_engine:create_app()"`.

Memory (docs/performance.md, "Memory per worker", bench/worker_memory.py): the app is loaded
once in the master (``preload_app``) and its objects frozen out of the garbage collector's
reach (``gc.freeze``), so the workers share the imported code and data copy-on-write instead of
each holding its own; a worker then adds about a third of what it did. Safe because
``create_app`` opens no database connection (the pools fill in each worker, after the fork).
Allocator settings (MALLOC_ARENA_MAX, MALLOC_MMAP_THRESHOLD_, malloc_trim after each request)
were measured too and change nothing: the Argon2 hash's 64 MiB at login is mmap'd and
returned to the system when the hash is done.
"""
import gc
import multiprocessing

bind = "127.0.0.1:8000"
workers = max(2, multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"
timeout = 30
graceful_timeout = 30
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = "127.0.0.1"
preload_app = True


def when_ready(server):
    """The app is loaded: keep its objects out of the collector, so workers do not copy their pages."""
    gc.freeze()
