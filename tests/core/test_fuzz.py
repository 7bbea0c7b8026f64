"""Every URL pattern, query parameter and form field, given values no page would send: ids
that are not ASCII digits ("²".isdigit() holds), past the database's integer range, negative
or not numbers at all, line breaks and over-long file names. Each answer is a 4xx (or a page
that ignores the value), never a 5xx."""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlencode, urljoin, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLResolver, get_resolver

from playground.accounts.services import invitation_create
from playground.chat.models import Attachment, Conversation, Message, Run
from playground.compare.models import Column, Comparison, Entry, ShareLink, Turn
from playground.explorer.models import ExplorerRequest
from playground.presets.models import Preset
from playground.teams.services import member_add, team_create
from tests.conftest import PASSWORD
from tests.files.factories import upstream_file
from tests.studio.factories import finished_generation, png_bytes

pytestmark = pytest.mark.django_db(transaction=True)  # answers run beside the requests

ODD_VALUES = [
    "²",
    "9" * 5000,
    "9223372036854775808",  # one past PostgreSQL's bigint
    "abc",
    "-1",
    "x\r\nX-Injected: 1",
]
LONG_NAME = "x." + "a" * 260
PLAYGROUND = Path(__file__).resolve().parents[2] / "playground"
# The request data the views read by name, found in the source (some are on no page until
# the user picks a certain model or mode).
READ_NAMES = re.compile(
    r"""\b(?:GET|POST)\.(?:get|getlist)\(\s*"([\w-]+)"|"([\w-]+)" in request\.GET"""
)
SKIPPED_NAMESPACES = {"admin"}  # Django's own admin, for staff only
# Posting these would end the data the rest of the walk needs; their ids are still walked.
DESTRUCTIVE = re.compile(r"delete|revoke|remove|logout")


@pytest.fixture
def data(owner, django_user_model, settings, tmp_path):
    """A user with one of everything: a conversation, a comparison (one of whose column
    chats was deleted), a studio job, a team, an invitation to it and a file."""
    settings.MEDIA_ROOT = tmp_path
    owner.set_password(PASSWORD)
    owner.save()
    member = django_user_model.objects.create_user(username="bob", password="x" * 12)
    team = team_create(user=owner, name="Lab")
    member_add(team=team, by=owner, username="bob")

    # A model that takes images and documents: the composer shows every field it has.
    conversation = Conversation.objects.create(
        owner=owner, model="gemini-3.0-pro-preview", title="Plans"
    )
    question = Message.objects.create(conversation=conversation, role="user", content="hi")
    answer = Message.objects.create(
        conversation=conversation, role="assistant", parent=question, content="hello"
    )
    conversation.current_leaf = answer
    conversation.save()
    run = Run.objects.create(message=answer, model=conversation.model, status=Run.Status.DONE)
    attachment = Attachment(message=question, kind="image", content_type="image/png")
    attachment.file.save("a.png", ContentFile(png_bytes()), save=True)

    generation, output, reference = finished_generation(owner=owner)
    comparison = Comparison.objects.create(owner=owner, team=team, title="Shared work")
    turn = Turn.objects.create(comparison=comparison, index=0, prompt="hi")
    entries = []
    for position, model in enumerate(["deepseek-v3", "openai/gpt-5"]):
        chat = Conversation.objects.create(owner=owner, model=model)
        column = Column.objects.create(
            comparison=comparison, position=position, model=model, conversation=chat
        )
        asked = Message.objects.create(conversation=chat, role="user", content="hi")
        answered = Message.objects.create(
            conversation=chat, role="assistant", parent=asked, content="hello"
        )
        chat.current_leaf = answered
        chat.save()
        column_run = Run.objects.create(message=answered, model=model, status=Run.Status.DONE)
        entries.append(Entry.objects.create(turn=turn, column=column, run=column_run))
    Conversation.objects.filter(pk=entries[1].column.conversation_id).delete()
    link = ShareLink.objects.create(comparison=comparison, created_by=owner)
    document = upstream_file(owner)
    invitation = invitation_create(by=owner, team=team, days=7, max_uses=5)
    preset = Preset.objects.create(owner=owner, team=team, name="Mine", model="deepseek-v3")
    sent = ExplorerRequest.objects.create(
        owner=owner, endpoint="veo-query", method="GET", path="/v1/videos/generations/x"
    )
    ids = {
        "chat:conversation": {"pk": conversation.pk},
        "chat:conversation-item": {"pk": conversation.pk},
        "chat:conversation-rename": {"pk": conversation.pk},
        "chat:conversation-delete": {"pk": conversation.pk},
        "chat:conversation-export": {"pk": conversation.pk, "file_format": "md"},
        "chat:page-events": {"page": "a" * 24},
        "chat:run-stop": {"pk": run.pk},
        "chat:run-retry": {"pk": run.pk},
        "chat:run-inspect": {"pk": run.pk},
        "chat:attachment": {"pk": attachment.pk},
        "chat:message-edit": {"pk": question.pk},
        "chat:message-regenerate": {"pk": answer.pk},
        "chat:message-show": {"pk": question.pk},
        "chat:message-delete": {"pk": question.pk},
        "chat:tool-results": {"pk": answer.pk},
        "compare:column-settings": {"index": 0},
        "compare:comparison": {"pk": comparison.pk},
        "compare:events": {"pk": comparison.pk},
        "compare:turn": {"pk": comparison.pk},
        "compare:cell": {"pk": comparison.pk, "entry_id": entries[0].pk},
        "compare:media": {"pk": comparison.pk, "output_id": output.pk},
        "compare:retry": {"pk": comparison.pk, "entry_id": entries[0].pk},
        "compare:vote": {"pk": comparison.pk, "turn_id": turn.pk},
        "compare:share": {"pk": comparison.pk},
        "compare:share-revoke": {"pk": comparison.pk, "link_id": link.pk},
        "compare:delete": {"pk": comparison.pk},
        "compare:export": {"pk": comparison.pk, "file_format": "md"},
        "compare:shared": {"token": link.token},
        "compare:shared-media": {"token": link.token, "output_id": output.pk},
        "files:card": {"pk": document.pk},
        "files:delete": {"pk": document.pk},
        "studio:generation": {"pk": generation.pk},
        "studio:card": {"pk": generation.pk},
        "studio:tile": {"pk": generation.pk},
        "studio:delete": {"pk": generation.pk},
        "studio:remix": {"pk": generation.pk},
        "studio:output-file": {"pk": output.pk},
        "studio:output-preview": {"pk": output.pk},
        "studio:input-file": {"pk": reference.pk},
        "teams:team": {"pk": team.pk},
        "teams:delete": {"pk": team.pk},
        "teams:member-add": {"pk": team.pk},
        "teams:key-save": {"pk": team.pk},
        "teams:key-remove": {"pk": team.pk},
        "teams:key-test": {"pk": team.pk},
        "teams:member-remove": {"pk": team.pk, "user_id": member.pk},
        "teams:member-role": {"pk": team.pk, "user_id": member.pk},
        "usage:team-limits": {"pk": team.pk},
        "usage:team-limit-save": {"pk": team.pk},
        "usage:member-limit-save": {"pk": team.pk, "user_id": member.pk},
        "presets:edit": {"pk": preset.pk},
        "presets:delete": {"pk": preset.pk},
        "presets:duplicate": {"pk": preset.pk},
        "invitation": {"token": invitation.token},
        "invitation-revoke": {"pk": invitation.pk},
        "explorer:endpoint": {"endpoint_id": "veo-create"},
        "explorer:panel": {"endpoint_id": "veo-create"},
        "explorer:code": {"endpoint_id": "veo-create"},
        "explorer:send": {"endpoint_id": "veo-create"},
        "explorer:poll": {"endpoint_id": "veo-query"},
        "explorer:media": {"token": "not-a-signed-link"},
        "explorer:history-detail": {"pk": sent.pk},
    }
    # Pages whose forms have more fields than the plain URL shows (reference images).
    pages = [f"/studio/?ref={output.pk}", f"/studio/?from={generation.pk}"]
    return ids, pages


def url_patterns(resolver=None, prefix="", namespace=""):
    """(route, name) of every URL pattern the app serves, from Django's resolver."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in SKIPPED_NAMESPACES:
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_patterns(entry, prefix + str(entry.pattern), inner)
        else:
            yield prefix + str(entry.pattern), f"{namespace}{entry.name}"


PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def fill(route: str, values: dict) -> str:
    return "/" + PARAMETER.sub(lambda m: quote(str(values[m[1]]), safe=""), route)


def read_names(kind: str) -> set[str]:
    names = set()
    for source in PLAYGROUND.rglob("*.py"):
        for match in READ_NAMES.finditer(source.read_text()):
            if match[0].startswith(kind) or (kind == "GET" and match[2]):
                names.add(match[1] or match[2])
    return names


class FormParser(HTMLParser):
    """The forms of a page: method, where they go, and their fields with the values shown."""

    def __init__(self):
        super().__init__()
        self.forms = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            method = "post" if "hx-post" in attrs else (attrs.get("method") or "get").lower()
            action = attrs.get("hx-post") or attrs.get("hx-get") or attrs.get("action") or ""
            self._form = {"method": method, "action": action, "fields": {}, "files": set()}
            self.forms.append(self._form)
        elif self._form is not None and ("hx-get" in attrs or "hx-post" in attrs):
            # A control that sends the form elsewhere, e.g. to re-draw the model's options.
            method = "get" if "hx-get" in attrs else "post"
            self.forms.append({**self._form, "method": method, "action": attrs[f"hx-{method}"]})
        if self._form is None:
            return
        fields = self._form["fields"]
        if tag == "option" and self._select and ("selected" in attrs or not fields[self._select]):
            fields[self._select] = attrs.get("value", "")
        if not attrs.get("name"):
            return
        name = attrs["name"]
        # A required text is typed in, so the form gets past its first check (a studio
        # prompt is required by most models, not by the page).
        typed = "hello" if "required" in attrs or name == "prompt" else ""
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind == "file":
                self._form["files"].add(name)
            elif kind in ("checkbox", "radio"):
                fields.setdefault(name, "")
                if "checked" in attrs or not fields[name]:
                    fields[name] = attrs.get("value", "on")
            elif kind not in ("submit", "button"):
                fields[name] = attrs.get("value") or typed
        elif tag == "select":
            self._select = name
            fields.setdefault(name, "")
        elif tag == "textarea":
            self._textarea = name
            fields[name] = typed

    def handle_data(self, data):
        if self._textarea and data.strip():
            self._form["fields"][self._textarea] = data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


@pytest.mark.timeout(300)  # some 1,500 requests
def test_no_value_in_a_path_query_or_form_gives_a_server_error(owner, data):
    client = Client()
    client.force_login(owner)
    failures = {}
    ids, extra_pages = data

    def request(method, url, payload=None, *, sent="", **extra):
        """The answer, and any server error noted as what was sent and what broke."""
        problem = None
        try:
            response = getattr(client, method)(url, payload or {}, **extra)
        except Exception as error:
            response, problem = None, f"{error!r:.160}"
        else:
            if response.streaming:
                response.close()
            if response.status_code >= 500:
                problem = f"HTTP {response.status_code}"
        if problem:
            failures.setdefault(f"{method.upper()} {url[:100]} {sent[:60]}", problem)
        return response

    patterns = list(url_patterns())
    unfilled = [name for route, name in patterns if PARAMETER.search(route) and name not in ids]
    assert not unfilled, f"give these URLs their ids in the data fixture: {unfilled}"

    # 1. Each path parameter in turn, the others valid.
    for route, name in patterns:
        for parameter in PARAMETER.findall(route):
            for value in ODD_VALUES:
                url = fill(route, {**ids.get(name, {}), parameter: value})
                request("get", url)
                request("post", url)  # one id is wrong: nothing is deleted

    # 2. Every query parameter a view reads, and Last-Event-ID, on every page. Each view reads
    # a few of them and ignores the others, so they go together.
    get_names = read_names("GET")
    urls = [fill(route, ids.get(name, {})) for route, name in patterns]
    pages = [url for url in urls if getattr(request("get", url), "status_code", 0) != 405]
    for url in pages:
        for value in ODD_VALUES:
            query = urlencode(dict.fromkeys(get_names, value))
            header = value.replace("\r\n", " ")  # HTTP carries no line break in a header
            sent = f"?{'&'.join(get_names)}={value} Last-Event-ID: {header}"
            request("get", f"{url}?{query}", headers={"Last-Event-ID": header}, sent=sent)

    # 3. Every form on every page, one field at a time, the others as the page shows them;
    # the names views read that a page shows only for some models ride along. Forms that
    # differ by an id (/m/1/edit/, /m/3/edit/) and fields that differ by a column number
    # (c0-model, c1-model) are walked once.
    post_names = read_names("POST")
    forms = {}
    for url in pages + extra_pages:
        response = client.get(url)
        if response.streaming or "html" not in response.get("Content-Type", ""):
            continue
        parser = FormParser()
        parser.feed(response.content.decode())
        for form in parser.forms:
            action = urlsplit(urljoin(url, form["action"] or url)).path
            if form["method"] == "post" and DESTRUCTIVE.search(action):
                continue
            form["action"] = action
            key = (form["method"], re.sub(r"\d+", "#", action))
            known = forms.get(key)
            if known is None or len(known["fields"]) < len(form["fields"]):
                forms[key] = form  # the one with the most fields
    assert len(forms) > 10, "the pages' forms were found"
    for form in forms.values():
        method, action, fields = form["method"], form["action"], form["fields"]
        walked = {re.sub(r"\d+", "#", name): name for name in fields}.values()
        riders = post_names - set(fields) if method == "post" else set()
        for value in ODD_VALUES:
            for field_name in set(walked) - {"csrfmiddlewaretoken"}:
                request(method, action, {**fields, field_name: value}, sent=f"{field_name}={value}")
            if riders:
                payload = {**fields, **dict.fromkeys(riders, value)}
                request(method, action, payload, sent=f"{'&'.join(riders)}={value}")
        for field_name in form["files"]:
            upload = SimpleUploadedFile(LONG_NAME, png_bytes(), content_type="image/png")
            payload = {**fields, field_name: upload}
            request("post", action, payload, sent=f"{field_name}: a file named {LONG_NAME}")

    assert not failures, "\n".join(f"{sent}: {problem}" for sent, problem in failures.items())
