"""No tables: failed jobs live in RQ's failed-job registry in Redis (course_engine/jobs.py)."""
