"""What every data page test needs: a browser signed in as someone, and the page it got back as text."""

from typing import Any

from django.test import Client


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def html_of(response: Any) -> str:
    return response.content.decode()
