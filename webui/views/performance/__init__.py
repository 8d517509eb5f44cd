"""绩效通 pages: indicator systems, assessment rounds with their data entry, scores, 对标 and reports, and the
questionnaire link units submit by without login. `urls.urlpatterns` is the app's URL list."""
