"""Chinese first: the interface speaks zh-hans unless the person chose English with the switch.

Django's LocaleMiddleware would follow the browser's Accept-Language, so a clerk on a laptop set up in
English would land in English pages. Our users work in Chinese; the choice made with the language
switch (the language cookie) is the only thing that changes it.
"""

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
