"""No WTForms here: the Retry buttons are hand-written forms with the session CSRF token."""
