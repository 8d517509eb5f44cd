"""`make bench`: the approval diagram through Tongban, raw SpiffWorkflow and viewflow's engine."""
