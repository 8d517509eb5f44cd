"""The approval flow written for django-viewflow's own engine (`viewflow.workflow`)."""
