"""SCORM packages keep no tables: a package is built from a module version's stored snapshot
each time it is downloaded (the download is in the audit log), so there is nothing to go stale."""
