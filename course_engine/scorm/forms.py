"""SCORM packages have no forms: downloads are links (GET), and they change nothing but the audit log."""
