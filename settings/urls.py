from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/", include("webui.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # Last: the Site answers at the root, so its applications must not shadow the paths above.
    path("", include("webui.urls")),
]
