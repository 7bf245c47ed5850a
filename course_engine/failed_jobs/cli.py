"""The commands are `flask jobs failed` and `flask jobs retry` (course_engine/jobs.py)."""
