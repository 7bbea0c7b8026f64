"""Every endpoint of the Nexconn docs' menu as data: method, path, parameters and body fields.

The explorer's form, its validation and its examples read this table. It is one table with
the catalogs, not a copy of them:

- a media create endpoint's body fields are the media catalog's fields (media/catalog.py) at
  the place its family adapter (media/families/) puts them. The wire name, type and values
  of each are found by asking the adapter to build requests with the field set to each of
  its values (`_find`), so a field is declared once, in the catalog, and the wire code says
  where it goes;
- a chat endpoint's fields are the chat catalog's parameters (catalog.py), cleaned by the
  catalog and placed by the protocol's build_request, the same way;
- what no code declared yet is declared here: the model list, the task queries, the Files
  API, the menu's groups and titles, and the few body fields the app's own requests never
  vary (`stream`, the message list), in `_BASE_FIELDS`.

Paths are dotted: "parameters.aspectRatio", "instances.0.prompt" (a number is a list index).
No Django imports: the simulator may read it too.
"""

import itertools
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any, Literal

from playground.nexconn import files as files_api
from playground.nexconn.catalog import CHAT_MODELS, TOOL_CHOICES, ChatModel, chat_model
from playground.nexconn.media import jobs
from playground.nexconn.media.catalog import MEDIA_MODELS, SORA_MODELS
from playground.nexconn.media.families import openai_video
from playground.nexconn.media.schema import MAX_SEED, MediaField, MediaMode, MediaModel
from playground.nexconn.protocols import PROTOCOLS

type WireType = Literal["string", "integer", "number", "boolean", "json"]
type Kind = Literal["models", "chat", "image", "video", "query", "file"]

EXAMPLE_PROMPT = "A red fox curled up asleep in fresh snow at dawn, soft light"
EXAMPLE_QUESTION = "In two sentences: why is the sky blue?"
EXAMPLE_SYSTEM = "You answer briefly and plainly."
EXAMPLE_FILE_ID = "qfile-0000000000-1735689600-example"
EXAMPLE_SOURCE_URL = "https://example.com/reports/annual-report.pdf"
_EXAMPLE_TOOL = {
    "name": "get_weather",
    "description": "The current weather in a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}
_PROBE_TEXT = "probe-text"


@dataclass(frozen=True, slots=True)
class BodyField:
    """One value in a request body, at `path`.

    `enum`: the only values the API takes (empty: any of the type). `default`: what the API
    assumes when the field is left out (None: not documented, the model decides).
    `numeric_text`: a number the API wants as a string ("5"); `minimum`/`maximum` then apply
    to the number it holds. `param` names the catalog field it carries, and `values` maps
    the catalog's values to the wire's (so a request can be read back, e.g. for its price).
    `source` says where the field is declared.
    """

    path: str
    label: str
    help: str
    type: WireType
    required: bool = False
    enum: tuple[Any, ...] = ()
    default: Any = None
    example: Any = None
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    numeric_text: bool = False
    param: str = ""
    values: tuple[tuple[Any, Any], ...] = ()
    suggestions: tuple[str, ...] = ()  # offered, not enforced (model ids the API may add to)
    source: str = ""

    @property
    def input_id(self) -> str:
        return "field-" + re.sub(r"[^a-zA-Z0-9_-]", "-", self.path)

    @property
    def choices(self) -> tuple[str, ...]:
        """The enum as the text a form shows (JSON for non-strings)."""
        return tuple(v if isinstance(v, str) else json.dumps(v) for v in self.enum)

    @property
    def options(self) -> tuple[tuple[str, str], ...]:
        """(the value as JSON, its text) for each allowed value: a select's options."""
        return tuple((json.dumps(v), text) for v, text in zip(self.enum, self.choices, strict=True))


@dataclass(frozen=True, slots=True)
class PathParam:
    name: str
    label: str
    help: str
    example: str = ""
    from_model: bool = False  # filled from the chosen model (Gemini's {model})


@dataclass(frozen=True, slots=True)
class Example:
    name: str
    body: dict[str, Any] | None
    path_params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Rule:
    """Values the API refuses together: `message` under `path` when every `when` holds."""

    when: Mapping[str, Any]
    path: str
    message: str


@dataclass(frozen=True, slots=True)
class Variant:
    """One way of calling an endpoint: with a model, and for media a mode of it."""

    model: str
    mode: str
    label: str
    fields: tuple[BodyField, ...]
    examples: tuple[Example, ...]
    headers: Mapping[str, str] = field(default_factory=dict)
    rules: tuple[Rule, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.model}|{self.mode}"

    def field_at(self, path: str) -> BodyField | None:
        return next((f for f in self.fields if f.path == path), None)

    def catalog_params(self, body: Any) -> dict[str, Any]:
        """The catalog's names and values of what `body` asks for (n, duration, resolution…)."""
        params: dict[str, Any] = {}
        for spec in self.fields:
            if not spec.param:
                continue
            value = get_path(body, spec.path)
            if value is _MISSING:
                continue
            back = {json.dumps(wire): form for form, wire in spec.values}
            params[spec.param] = back.get(json.dumps(value), value)
        return params


@dataclass(frozen=True)
class Endpoint:
    """A menu entry. `variants` says what body each model (and mode) takes; an endpoint
    without a body (a GET) has one variant with no fields."""

    id: str
    group: str
    section: str
    title: str
    method: str
    path: str  # with {name} parameters, and any fixed query (Gemini's ?alt=sse)
    kind: Kind
    doc: str
    description: str = ""
    path_params: tuple[PathParam, ...] = ()
    protocol: str = ""  # the chat protocol: decoding the stream, code in its SDK
    family: str = ""  # the media task family: reading task ids and polling
    task_id_from: str = ""  # a create answer's key holding the task id
    queries: tuple[str, ...] = ()  # endpoints that take that id, status first
    task_param: str = ""  # a query endpoint's path parameter that takes a task id
    models: tuple[str, ...] = ()
    _variants: Callable[[], tuple[Variant, ...]] | None = None

    @property
    def has_body(self) -> bool:
        return self.method in ("POST", "PUT", "PATCH")

    @property
    def billed(self) -> bool:
        return self.kind in ("chat", "image", "video")

    @property
    def streams(self) -> bool:
        return self.kind == "chat"

    @property
    def variants(self) -> tuple[Variant, ...]:
        return _variants_of(self)

    def variant(self, model: str = "", mode: str = "") -> Variant:
        """The variant for `model` and `mode`: the model's first mode when `mode` is not one
        of it, the first variant when `model` is not served here."""
        variants = self.variants
        same_model = [v for v in variants if v.model == model] or list(variants)
        return next((v for v in same_model if v.mode == mode), same_model[0])

    def filled_path(self, values: Mapping[str, str]) -> str:
        from urllib.parse import quote

        return re.sub(r"\{(\w+)\}", lambda m: quote(values.get(m[1], ""), safe=""), self.path)

    @property
    def search_text(self) -> str:
        return " ".join(
            (self.group, self.section, self.title, self.method, self.path, *self.models)
        ).lower()


_variant_cache: dict[str, tuple[Variant, ...]] = {}


def _variants_of(endpoint: Endpoint) -> tuple[Variant, ...]:
    if endpoint.id not in _variant_cache:
        made = endpoint._variants() if endpoint._variants else ()
        _variant_cache[endpoint.id] = made or (
            Variant("", "", "", (), (Example("Request", None),)),
        )
    return _variant_cache[endpoint.id]


# --- reading and writing bodies by path ------------------------------------------------

_MISSING: Any = type("Missing", (), {"__repr__": lambda self: "<missing>"})()


def _parts(path: str) -> list[str | int]:
    return [int(part) if part.isdigit() else part for part in path.split(".")] if path else []


def get_path(body: Any, path: str) -> Any:
    """The value at `path`, or `MISSING`."""
    value = body
    for part in _parts(path):
        if (isinstance(part, int) and isinstance(value, list) and part < len(value)) or (
            isinstance(part, str) and isinstance(value, dict) and part in value
        ):
            value = value[part]
        else:
            return _MISSING
    return value


MISSING = _MISSING


def set_path(body: dict[str, Any], path: str, value: Any) -> None:
    parts = _parts(path)
    holder: Any = body
    for part, following in itertools.pairwise(parts):
        fresh: Any = [] if isinstance(following, int) else {}
        if isinstance(holder, list):
            while len(holder) <= int(part):
                holder.append({} if not isinstance(following, int) else [])
            holder = holder[int(part)]
        else:
            holder = holder.setdefault(part, fresh)
    last = parts[-1]
    if isinstance(holder, list):
        while len(holder) <= int(last):
            holder.append(None)
        holder[int(last)] = value
    else:
        holder[last] = value


def _changes(before: Any, after: Any, path: tuple = ()) -> list[tuple[str, Any]]:
    """Where `after` differs from `before`: the smallest changed values, by path. Objects
    are compared key by key and lists item by item when they are as long; a list that
    grew or shrank is one change, as a whole."""
    if isinstance(after, dict):
        base = before if isinstance(before, dict) else {}
        found: list[tuple[str, Any]] = []
        for key, value in after.items():
            if key not in base:
                if isinstance(value, dict) and value:
                    found += _changes({}, value, (*path, key))
                else:
                    found.append((_dotted((*path, key)), value))
            else:
                found += _changes(base[key], value, (*path, key))
        return found
    if isinstance(after, list) and isinstance(before, list) and len(after) == len(before):
        return [
            change
            for index, (old, new) in enumerate(zip(before, after, strict=True))
            for change in _changes(old, new, (*path, index))
        ]
    return [] if before == after else [(_dotted(path), after)]


def _dotted(path: tuple) -> str:
    return ".".join(str(part) for part in path)


def _wire_type(values: Iterable[Any]) -> WireType:
    kinds = {type(value) for value in values if value is not None}
    if kinds <= {bool} and kinds:
        return "boolean"
    if kinds <= {int}:
        return "integer" if kinds else "string"
    if kinds <= {int, float}:
        return "number"
    if kinds <= {str}:
        return "string"
    return "json"


# --- fields declared here: what no catalog says -----------------------------------------

# Wire keys the app's own requests carry without a catalog field: (label, help).
_BASE_FIELDS: dict[str, tuple[str, str]] = {
    "model": ("Model", "The model that does the work."),
    "messages": (
        "Messages",
        "The conversation so far, oldest first: a list of {role, content}. Content is text, "
        "or a list of parts (text, image_url, file…).",
    ),
    "contents": (
        "Contents",
        "The conversation in Gemini's shape: a list of {role: user|model, parts: [{text}…]}.",
    ),
    "input": ("Input", "The conversation as Responses input items, or a plain string."),
    "system": ("System prompt", "Instructions the model follows for the whole conversation."),
    "systemInstruction.parts": (
        "System instruction",
        "Instructions the model follows for the whole conversation, as Gemini parts.",
    ),
    "instructions": ("Instructions", "The system prompt, in the Responses protocol."),
    "stream": (
        "Stream",
        "Send the answer piece by piece as server-sent events. Off: one JSON answer at the end.",
    ),
    "stream_options.include_usage": (
        "Usage in the stream",
        "Add a last chunk with the token counts (only sent with stream on).",
    ),
    "store": ("Store", "Whether the provider keeps the response for later reference."),
    "include": ("Include", "Extra data to return, e.g. reasoning.encrypted_content."),
    "prompt": ("Prompt", "What to make, in words."),
}
_STREAM = BodyField(
    "stream",
    *_BASE_FIELDS["stream"],
    type="boolean",
    default=False,
    example=True,
    source="endpoints.py",
)


# --- finding declared fields on the wire -------------------------------------------------


@dataclass
class _Declared:
    """Something a catalog declares (a field, an image slot, the prompt), and requests that
    show where the wire code puts it: `probes` are (value, the body with that value), `base`
    is the body without it. `kind` is the catalog's type, or "json" for what the wire carries
    as a structure (image lists, shots, tools)."""

    name: str
    label: str
    help: str
    kind: str
    probes: list[tuple[Any, dict[str, Any]]]
    base: dict[str, Any]
    source: str
    choices: tuple[Any, ...] = ()
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    required: bool = False
    example: Any = None
    param: str = ""
    at: str = ""  # where it goes, when known (the message list is one value)
    # filled by _find: path -> {value as JSON: the wire's value}, and the paths that carry a
    # value as given (not translated)
    found: dict[str, dict[str, Any]] = field(default_factory=dict)
    literal: set[str] = field(default_factory=set)


def _find(declared: _Declared) -> None:
    for value, body in declared.probes:
        for path, wire in _changes(declared.base, body):
            declared.found.setdefault(path, {})
            if _same_value(value, wire):
                declared.literal.add(path)
    paths = list(declared.found)
    if declared.at:
        paths = [declared.at]
    elif declared.kind == "json" and len(paths) > 1:
        # A structure is one value: Veo's {uri, mimeType}, Anthropic's tool_choice object.
        common = _common_prefix(paths)
        paths = [common] if common else paths
    else:  # "auto" or {"type": "function", ...}: the object is one value too
        paths = [p for p in paths if not any(p.startswith(f"{q}.") for q in paths)]
    declared.found = {path: {} for path in paths}
    for path, seen in declared.found.items():
        for value, body in declared.probes:
            wire = get_path(body, path)
            if wire is not _MISSING:
                seen[json.dumps(value)] = wire


def _common_prefix(paths: list[str]) -> str:
    split = [path.split(".") for path in paths]
    common = []
    for parts in zip(*split, strict=False):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    return ".".join(common)


def _same_value(value: Any, wire: Any) -> bool:
    if isinstance(value, bool) or isinstance(wire, bool):
        return value is wire
    if isinstance(value, int | float) and isinstance(wire, int | float):
        return math.isclose(value, wire)
    return value == wire


def _owners(declared: list[_Declared]) -> dict[str, _Declared]:
    """Each changed path to one declaration: the one that puts its own value there, else
    the first that changes it (Anthropic's max_tokens grows with the thinking budget, but
    it is the max_tokens field's)."""
    owners: dict[str, _Declared] = {}
    for item in declared:
        for path in item.found:
            current = owners.get(path)
            if current is None or (path in item.literal and path not in current.literal):
                owners[path] = item
    return owners


def _body_field(path: str, item: _Declared, example_body: dict[str, Any]) -> BodyField:
    seen = item.found[path]
    if (
        len(item.found) > 1
        and path not in item.literal
        and len(set(map(json.dumps, seen.values()))) == 1
    ):
        # Sent along, the same whatever the value (Gemini's responseModalities with a ratio).
        value = next(iter(seen.values()))
        return BodyField(
            path,
            path.rsplit(".", 1)[-1],
            f"Sent as {json.dumps(value)} along with {item.label.lower()}.",
            _wire_type([value]),
            example=value,
            source=item.source,
        )
    example = get_path(example_body, path)
    if example is _MISSING:
        example = item.example if item.kind == "json" else seen.get(json.dumps(item.example))
        if example is None and item.kind == "json":
            example = next(iter(seen.values()), None)
    wire_values = list(seen.values())
    wire_type = _wire_type([*wire_values, example])
    carriers = [p for p in item.found if p in item.literal] or list(item.found)
    label = item.label if path == carriers[0] else f"{item.label} ({path.rsplit('.', 1)[-1]})"
    if item.kind == "json" or wire_type == "json":
        return BodyField(
            path,
            label,
            item.help,
            wire_type,
            required=item.required,
            example=example,
            param=item.param,
            source=item.source,
        )
    numbers = item.kind in ("int", "float", "seed")
    numeric_text = wire_type == "string" and all(
        isinstance(v, str) and re.fullmatch(r"-?\d+(\.\d+)?", v) for v in wire_values
    )
    values = tuple((json.loads(k), v) for k, v in seen.items())
    enum: tuple[Any, ...] = ()
    suggestions: tuple[str, ...] = ()
    if item.kind in ("choice", "aspect_ratio", "bool") and item.choices:
        by_value = {json.dumps(k): v for k, v in values}
        mapped = [by_value[json.dumps(c)] for c in item.choices if json.dumps(c) in by_value]
        # Enforced only when each choice has its own wire value, of a kind a form offers;
        # a translated choice (an effort level sent as a token budget) is only suggested.
        exact = len(mapped) == len(item.choices) == len({json.dumps(v) for v in mapped})
        if exact and all(isinstance(v, str | bool) for v in mapped):
            enum = tuple(mapped)
        else:
            suggestions = tuple(
                dict.fromkeys(json.dumps(v) if not isinstance(v, str) else v for v in mapped)
            )
    minimum, maximum = (item.minimum, item.maximum) if numbers else (None, None)
    if item.kind == "seed":
        minimum, maximum = 0, MAX_SEED
    if numbers and wire_type == "string" and not numeric_text:
        minimum = maximum = None
    return BodyField(
        path,
        label,
        item.help,
        wire_type,
        required=item.required,
        enum=enum,
        default=seen.get(json.dumps(item.default)) if item.default is not None else None,
        example=example,
        minimum=minimum,
        maximum=maximum,
        max_length=int(item.maximum) if item.kind == "text" and item.maximum else None,
        numeric_text=numeric_text,
        param=item.param,
        values=values if enum else (),
        suggestions=suggestions,
        source=item.source,
    )


def _fields(
    declared: list[_Declared], example_body: dict[str, Any], *, models: tuple[str, ...]
) -> tuple[BodyField, ...]:
    """The body fields of a variant, in the order of its example body: the declared ones
    where probing found them, and each value no declaration sets (the model, `stream`, a
    mode's fixed switch) as what it is."""
    for item in declared:
        _find(item)
    known = {}
    for path, item in _owners(declared).items():
        spec = _body_field(path, item, example_body)
        sharing = [d for d in declared if path in d.found]
        shared = len(sharing) > 1 and path not in item.literal
        if shared or (item.kind == "text" and spec.type == "json"):
            # One value carries several things (Seedance's content: the prompt and images).
            carries = "Carries " + ", ".join(d.label.lower() for d in sharing) + "."
            label, help = _BASE_FIELDS.get(path, (path.rsplit(".", 1)[-1].capitalize(), carries))
            spec = replace(
                spec,
                label=label,
                help=help,
                required=any(d.required for d in sharing),
                param="",
            )
        known[path] = spec
    ordered: list[BodyField] = []
    for path, value in _leaves(example_body):
        owner = next((k for k in known if path == k or path.startswith(f"{k}.")), None)
        if owner is not None:
            ordered.append(known.pop(owner))
            continue
        if any(k.startswith(f"{path}.") for k in known) or any(
            path.startswith(f"{f.path}.") for f in ordered
        ):
            continue
        ordered.append(_constant(path, value, models=models))
    return tuple(ordered + list(known.values()))


def _constant(path: str, value: Any, *, models: tuple[str, ...]) -> BodyField:
    if path == "model":
        return BodyField(
            "model",
            *_BASE_FIELDS["model"],
            type="string",
            required=True,
            example=value,
            suggestions=models,
            source="endpoints.py",
        )
    if path == "stream":
        return replace(_STREAM, example=value)
    label, help = _BASE_FIELDS.get(path, (path, f"This app sends {json.dumps(value)} here."))
    return BodyField(
        path,
        label,
        help,
        _wire_type([value]),
        example=value,
        source="endpoints.py" if path in _BASE_FIELDS else "the wire code's fixed value",
    )


def _leaves(value: Any, path: tuple = ()) -> list[tuple[str, Any]]:
    """Every value of a body by path, in order; a list counts as one value, except a list
    of one object, which is looked into (Veo's instances.0.prompt)."""
    if isinstance(value, dict) and value:
        return [leaf for key, item in value.items() for leaf in _leaves(item, (*path, key))]
    if path and isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict):
        return _leaves(value[0], (*path, 0))
    return [(_dotted(path), value)] if path else []


def leaf_paths(body: Any) -> list[str]:
    """The paths of a body's values, as the table names its fields."""
    return [path for path, _ in _leaves(body)]


# --- media create endpoints --------------------------------------------------------------


def _example_image(slot: str, index: int) -> str:
    return f"https://example.com/images/{slot.replace('_', '-')}-{index + 1}.png"


def _example_inputs(mode: MediaMode) -> dict[str, list[str]]:
    inputs: dict[str, list[str]] = {}
    for slot in mode.slots:
        if slot.video:
            inputs[slot.name] = [f"https://example.com/videos/{slot.name.replace('_', '-')}.mp4"]
        else:
            count = max(slot.min_count, 1)
            inputs[slot.name] = [_example_image(slot.name, i) for i in range(count)]
    if mode.group and mode.group.images:
        inputs[mode.group.prefix(1)] = [_example_image(mode.group.name, 0)]
    return inputs


def _group_values(model: MediaModel, mode: MediaMode) -> dict[str, str]:
    """Block 1 of the mode's group, filled: a subject, or one shot as long as the video."""
    group = mode.group
    if group is None:
        return {}
    duration = next((f.default for f in model.fields_for(mode.name) if f.name == "duration"), 5)
    values = {}
    for spec in group.fields:
        name = f"{group.prefix(1)}_{spec.name}"
        if spec.name == group.key_field:
            values[name] = "fox"
        elif spec.name == group.total_field:
            values[name] = str(duration)
        elif spec.required:
            values[name] = EXAMPLE_PROMPT
    return values


def _probe_values(spec: MediaField) -> list[Any]:
    match spec.type:
        case "choice" | "aspect_ratio":
            return list(spec.choices)
        case "bool":
            return [True, False]
        case "seed":
            return [0, 42]
        case "text":
            return [_PROBE_TEXT]
        case "int":
            low = int(spec.minimum) if spec.minimum is not None else 1
            high = int(spec.maximum) if spec.maximum is not None else low + 1
            return sorted({low, high})
    low = float(spec.minimum) if spec.minimum is not None else 0.5
    high = float(spec.maximum) if spec.maximum is not None else low + 0.5
    return [low, (low + high) / 2, high]


def _media_route(model: MediaModel, mode: MediaMode) -> tuple[str, str]:
    method, path, _ = jobs.build_request(
        model=model, mode=mode.name, prompt=EXAMPLE_PROMPT, params={}, inputs=_example_inputs(mode)
    )
    return method, path


def _media_variant(model: MediaModel, mode: MediaMode) -> Variant:
    inputs = _example_inputs(mode)
    group_values = _group_values(model, mode)
    example_params, errors = model.clean(
        mode=mode.name, prompt=EXAMPLE_PROMPT, values=group_values, inputs=inputs
    )
    assert not errors, (model.id, mode.name, errors)

    def body(prompt: str = EXAMPLE_PROMPT, params=None, given=inputs) -> dict[str, Any]:
        return jobs.build_request(
            model=model, mode=mode.name, prompt=prompt, params=params or {}, inputs=given
        )[2]

    example_body = body(params=example_params)
    base = body()
    source = f"media catalog, {model.id}"
    prompt_help = _BASE_FIELDS["prompt"][1]
    declared = [
        _Declared(
            "prompt",
            "Prompt",
            prompt_help if mode.prompt_required else f"{prompt_help} Optional in this mode.",
            "text",
            [(EXAMPLE_PROMPT, base)],
            body(prompt=""),
            source,
            maximum=model.max_prompt_length,
            required=mode.prompt_required,
            example=EXAMPLE_PROMPT,
        )
    ]
    for spec in model.fields_for(mode.name):
        fixed = spec.name in mode.fixed
        values = [mode.fixed[spec.name]] if fixed else _probe_values(spec)
        if spec.default is not None and spec.default not in values:
            values.append(spec.default)
        choices = spec.choices or ((True, False) if spec.type == "bool" else ())
        declared.append(
            _Declared(
                spec.name,
                spec.label,
                spec.help + (" This mode needs this value." if fixed else ""),
                spec.type,
                [(v, body(params={spec.name: v})) for v in values],
                base,
                f"{source}, field {spec.name}",
                choices=(mode.fixed[spec.name],) if fixed else choices,
                default=mode.fixed[spec.name] if fixed else spec.default,
                minimum=spec.minimum,
                maximum=spec.maximum,
                required=spec.required,
                example=example_params.get(spec.name),
                param=spec.name,
            )
        )
    for slot in mode.slots:
        without = {name: refs for name, refs in inputs.items() if name != slot.name}
        count = f"{slot.min_count}–{slot.max_count}" if slot.max_count > 1 else "one"
        links = "video links" if slot.video else "image links (https, or data: URLs)"
        declared.append(
            _Declared(
                slot.name,
                slot.label,
                f"{slot.help} Give {count} {links}.",
                "json",
                [(inputs[slot.name], base)],
                body(given=without),
                f"{source}, mode {mode.name}, slot {slot.name}",
                required=slot.min_count > 0,
            )
        )
    if mode.group is not None:
        group = mode.group
        filled = {k: v for k, v in example_params.items() if k.startswith(f"{group.name}_")}
        declared.append(
            _Declared(
                group.name,
                f"{group.label}s",
                f"{group.help} Up to {group.max_count}.",
                "json",
                [(group_values, body(params=filled))],
                base,
                f"{source}, mode {mode.name}, group {group.name}",
                required=True,
            )
        )
    fields = _fields(declared, example_body, models=_models_on_route(model, mode))
    return Variant(
        model.id,
        mode.name,
        f"{model.label} · {mode.label}",
        fields,
        (Example(f"{model.label}: {mode.label}", example_body),),
        rules=tuple(_rule(rule, fields) for rule in model.rules if mode.name in rule.modes),
    )


def _models_on_route(model: MediaModel, mode: MediaMode) -> tuple[str, ...]:
    route = _media_route(model, mode)
    return tuple(
        other.id
        for other in MEDIA_MODELS.values()
        if _section(other) == _section(model)
        and any(_media_route(other, m) == route for m in other.modes)
    )


def _rule(rule, fields: tuple[BodyField, ...]) -> Rule:
    def wire(param: str, value: Any) -> tuple[str, Any]:
        spec = next((f for f in fields if f.param == param), None)
        if spec is None:
            return param, value
        return spec.path, {json.dumps(k): v for k, v in spec.values}.get(json.dumps(value), value)

    when = dict(wire(name, value) for name, value in rule.when.items())
    return Rule(when=when, path=wire(rule.field, None)[0], message=rule.message)


# --- chat endpoints ------------------------------------------------------------------------


def _chat_variant(protocol_id: str, model: ChatModel, models: tuple[str, ...]) -> Variant:
    protocol = PROTOCOLS[protocol_id]
    question = (
        "Draw a lighthouse on a cliff at night, in watercolour."
        if model.image_output
        else EXAMPLE_QUESTION
    )
    asked = [{"role": "user", "content": question}]

    def body(values: Mapping[str, str] | None = None, messages=asked, defaults=True) -> dict:
        params, errors = model.clean_params(values or {}) if defaults else (None, {})
        assert not errors, (model.id, values, errors)
        return protocol.build_request(
            model=model.id, messages=messages, params=params, reasoning=model.reasoning
        ).body

    example_body = body()
    bare = body(defaults=False)  # what the protocol always sends, whatever the settings
    tools = json.dumps([_EXAMPLE_TOOL])
    source = f"chat catalog, {model.id}"
    declared: list[_Declared] = []
    for spec in model.fields:
        # A thinking budget counts with thinking on; a tool choice needs a tool.
        given = {"thinking_budget": {"thinking": "true"}, "tool_choice": {"tools": tools}}.get(
            spec.name, {}
        )
        match spec.type:
            case "choice" | "bool":
                values: list[Any] = list(spec.choices) if spec.choices else [True, False]
            case "tool_choice":
                values = [*TOOL_CHOICES, _EXAMPLE_TOOL["name"]]
            case "tools":
                values = [tools]
            case "int":
                # Two values any bound allows (a thinking budget stays below max_tokens).
                values = [int(spec.minimum or 1), int(spec.minimum or 1) + 1]
            case _:
                low, high = spec.minimum or 0.0, spec.maximum or 1.0
                values = [float(low), (low + high) / 2, float(high)]
        probes = [(v, body(given | {spec.name: _raw(v)})) for v in values]
        structured = spec.type in ("tools", "tool_choice")
        declared.append(
            _Declared(
                spec.name,
                spec.label,
                spec.help,
                "json" if structured else spec.type,
                probes,
                body(given),
                f"{source}, field {spec.name}",
                choices=spec.choices
                if spec.type == "choice"
                else ((True, False) if spec.type == "bool" else ()),
                default=spec.default,
                minimum=spec.minimum,
                maximum=spec.maximum,
                param=spec.name,
            )
        )
    # The conversation and the system prompt, wherever the protocol puts them.
    other = body(messages=[{"role": "user", "content": "-"}])
    message_key = _changes(other, example_body)[0][0].split(".")[0]
    declared.append(
        _Declared(
            message_key,
            *_BASE_FIELDS[message_key],
            "json",
            [(question, example_body)],
            other,
            "endpoints.py",
            required=True,
            at=message_key,
        )
    )
    with_system = body(messages=[{"role": "system", "content": EXAMPLE_SYSTEM}, *asked])
    for path, _ in _changes(example_body, with_system):
        if path.split(".")[0] != message_key:
            label, help = _BASE_FIELDS.get(path, ("System prompt", _BASE_FIELDS["system"][1]))
            declared.append(
                _Declared(
                    path,
                    label,
                    help,
                    "text",
                    [(EXAMPLE_SYSTEM, with_system)],
                    example_body,
                    "endpoints.py",
                    example=EXAMPLE_SYSTEM,
                )
            )
    fields = tuple(
        # What the protocol sends even when nothing sets it, it requires (Anthropic's max_tokens).
        replace(f, required=True) if f.param and get_path(bare, f.path) is not _MISSING else f
        for f in _fields(declared, example_body, models=models)
    )
    headers = protocol.build_request(model=model.id, messages=asked).headers
    examples = _chat_examples(model, body, example_body, tools)
    return Variant(model.id, "", model.label, fields, examples, headers=dict(headers))


def _raw(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _chat_examples(model: ChatModel, body, example_body: dict, tools: str) -> tuple[Example, ...]:
    """The docs' kinds of request for this model: a question, streamed or not, with
    reasoning, a tool, a picture or a qfile attachment where the model takes them."""
    examples = [Example("Ask a question", example_body)]
    if "stream" in example_body:
        whole = {k: v for k, v in example_body.items() if k != "stream_options"}
        examples.append(Example("Without streaming", whole | {"stream": False}))
    match model.reasoning:
        case "effort":
            examples.append(
                Example(
                    "Reasoning: " + model.effort_levels[-1],
                    body({"reasoning_effort": model.effort_levels[-1]}),
                )
            )
        case "thinking" | "enable_thinking":
            examples.append(Example("Thinking on", body({"thinking": "true"})))
    if model.tools:
        weather = [{"role": "user", "content": "What is the weather in Lisbon right now?"}]
        examples.append(
            Example("With a tool", body({"tools": tools, "tool_choice": "auto"}, messages=weather))
        )
    if model.image_output and model.aspect_ratios:
        examples.append(Example("Wide picture", body({"aspect_ratio": "16:9"})))
    if model.vision and not model.image_output:
        picture = [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is in this picture?"},
                    {"type": "image_url", "image_url": {"url": _example_image("photo", 0)}},
                ],
            }
        ]
        examples.append(Example("Describe a picture", body(messages=picture)))
    if model.file_input:
        document = [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Summarise this document in three bullet points."},
                    {
                        "type": "file",
                        "file": {"file_id": EXAMPLE_FILE_ID, "format": "application/pdf"},
                    },
                ],
            }
        ]
        examples.append(Example("Ask about a file (qfile)", body(messages=document)))
    return tuple(examples)


# --- the menu ------------------------------------------------------------------------------

_CHAT_ENDPOINTS: tuple[tuple[str, str, str, str, str, str], ...] = (
    # (id, group, section, title, protocol, doc)
    ("chat-completions", "Chat", "Chat", "Chat completions", "chat_completions", "chat.md §4–§6"),
    ("anthropic-messages", "Chat", "Chat", "Anthropic protocol", "anthropic", "chat.md §7.1"),
    (
        "bypass-anthropic",
        "Bypass",
        "Bypass",
        "Anthropic protocol",
        "anthropic_bypass",
        "chat.md §7.2",
    ),
    (
        "bypass-gemini",
        "Bypass",
        "Bypass",
        "Vertex/Gemini streamGenerateContent",
        "gemini",
        "chat.md §7.3",
    ),
    ("bypass-responses", "Bypass", "Bypass", "Responses protocol", "responses", "chat.md §7.4"),
)
GEMINI_IMAGE_CHAT = "gemini-image-chat"

# Media sections as the docs' menu names them, by family (Sora and Kling share a family).
_SECTIONS = {
    "kling_image": "Kling image",
    "gemini_image": "Gemini image",
    "kling_image_o1": "kling-image-o1",
    "veo": "Veo",
    "seedance": "Seedance 2.0",
    "vidu": "Vidu",
}
_SECTION_ORDER = (
    "Kling image",
    "Gemini image",
    "kling-image-o1",
    "Veo",
    "sora-2 / sora-2-pro",
    "Kling video",
    "Seedance 2.0",
    "Vidu",
)
_SORA_IDS = frozenset(model.id for model in SORA_MODELS)


def _section(model: MediaModel) -> str:
    if model.family == "openai_video":
        return "sora-2 / sora-2-pro" if model.id in _SORA_IDS else "Kling video"
    return _SECTIONS[model.family]


# Task queries: no catalog declares their paths, so they are here; the adapters' poll calls
# use the same ones (tests/nexconn/test_endpoints.py checks it).
_QUERIES: dict[str, tuple[tuple[str, str, str], ...]] = {
    # family: ((id suffix, title, path), ...): status first
    "kling_image": (("task", "Query task status", "/v1/images/tasks/{task_id}"),),
    "kling_image_o1": (
        ("status", "Query task status", "/queue/fal-ai/kling-image/requests/{request_id}/status"),
        ("result", "Get result", "/queue/fal-ai/kling-image/requests/{request_id}"),
    ),
    "veo": (("query", "Query task", "/v1/videos/generations/{id}"),),
    "openai_video": (("query", "Query task status", "/v1/videos/{id}"),),
    "seedance": (("query", "Query task", "/v3/contents/generations/tasks/{id}"),),
    "vidu": (
        ("status", "Query task status", "/queue/fal-ai/vidu/requests/{request_id}/status"),
        ("result", "Query task results", "/queue/fal-ai/vidu/requests/{request_id}"),
    ),
}
_TASK_PARAM_HELP = "The id the create call answered with."


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _section_id(section: str) -> str:
    return {"sora-2 / sora-2-pro": "sora", "Seedance 2.0": "seedance"}.get(section, _slug(section))


def _chat_models_for(protocol_id: str, *, image_output: bool) -> tuple[str, ...]:
    return tuple(
        m.id
        for m in CHAT_MODELS
        if protocol_id in m.protocols
        and (m.image_output == image_output or protocol_id != "chat_completions")
    )


def _chat_endpoint(
    endpoint_id: str,
    group: str,
    section: str,
    title: str,
    protocol_id: str,
    doc: str,
    *,
    image_output: bool = False,
) -> Endpoint:
    models = _chat_models_for(protocol_id, image_output=image_output)
    sample = PROTOCOLS[protocol_id].build_request(model="MODEL-ID", messages=[])
    path = sample.path.replace("MODEL-ID", "{model}")
    params = ()
    if "{model}" in path:
        params = (
            PathParam("model", "Model", "The model, in the path.", models[0], from_model=True),
        )
    return Endpoint(
        endpoint_id,
        group,
        section,
        title,
        sample.method,
        path,
        "chat",
        f"docs/api/{doc}",
        description=PROTOCOLS[protocol_id].label,
        path_params=params,
        protocol=protocol_id,
        models=models,
        _variants=lambda: tuple(_chat_variant(protocol_id, chat_model(m), models) for m in models),
    )


def _media_endpoints() -> list[Endpoint]:
    """One create endpoint per section and route, from the catalog's models and modes; then
    the section's task queries."""
    routes: dict[tuple[str, str, str], list[tuple[MediaModel, MediaMode]]] = {}
    for model in MEDIA_MODELS.values():
        for mode in model.modes:
            method, path = _media_route(model, mode)
            routes.setdefault((_section(model), method, path), []).append((model, mode))
    made: list[Endpoint] = []
    for section in _SECTION_ORDER:
        keys = [key for key in routes if key[0] == section]
        for _, method, path in keys:
            pairs = routes[(section, method, path)]
            family = pairs[0][0].family
            made.append(_media_create(section, method, path, pairs, several=len(keys) > 1))
        made += _query_endpoints(section, family)
    return made


def _media_create(section: str, method: str, path: str, pairs: list, *, several: bool) -> Endpoint:
    model, _ = pairs[0]
    family = model.family
    kind = model.kind
    modes = list(dict.fromkeys(mode.label for _, mode in pairs))
    if family == "vidu":
        endpoint_id = "vidu-" + _slug(path.removeprefix("/queue/fal-ai/vidu/"))
        title = f"{model.label}: {', '.join(modes)}"
    else:
        endpoint_id = _section_id(section) + (
            "-" + _slug(path.rsplit("/", 1)[-1]) if several else "-create"
        )
        verb = "Generate" if family == "gemini_image" else "Create task"
        title = f"{verb}: {', '.join(modes)}" if several else verb
    doc = "images.md" if kind == "image" else "videos.md"
    models = tuple(dict.fromkeys(m.id for m, _ in pairs))
    return Endpoint(
        endpoint_id,
        "Images" if kind == "image" else "Videos",
        section,
        title,
        method,
        path,
        kind,
        f"docs/api/{doc}",
        description=pairs[0][0].notes,
        family=family,
        queries=tuple(
            f"{_section_id(section)}-{suffix}" for suffix, _, _ in _QUERIES.get(family, ())
        ),
        models=models,
        _variants=lambda: tuple(_media_variant(m, mode) for m, mode in pairs),
    )


def _query_endpoints(section: str, family: str) -> list[Endpoint]:
    made = []
    models = tuple(m.id for m in MEDIA_MODELS.values() if _section(m) == section)
    for suffix, title, path in _QUERIES.get(family, ()):
        name = re.search(r"\{(\w+)\}", path)[1]
        made.append(
            Endpoint(
                f"{_section_id(section)}-{suffix}",
                "Images" if "image" in family else "Videos",
                section,
                title,
                "GET",
                path,
                "query",
                "docs/api/" + ("images.md" if "image" in family else "videos.md"),
                path_params=(PathParam(name, "Task id", _TASK_PARAM_HELP),),
                family=family,
                task_param=name,
                models=models,
            )
        )
    if section == "sora-2 / sora-2-pro":
        made.append(_remix_endpoint())
    return made


def _remix_endpoint() -> Endpoint:
    method, path, _ = openai_video.build_remix_request(task_id="TASK-ID", prompt="")
    path = path.replace("TASK-ID", "{id}")

    def variants() -> tuple[Variant, ...]:
        made = []
        for model in SORA_MODELS:
            example = jobs.build_remix_request(model=model, task_id="x", prompt=EXAMPLE_PROMPT)[2]
            base = jobs.build_remix_request(model=model, task_id="x", prompt="")[2]
            declared = [
                _Declared(
                    "prompt",
                    "Prompt",
                    "The change to make to the finished video.",
                    "text",
                    [(EXAMPLE_PROMPT, example)],
                    base,
                    f"media catalog, {model.id}",
                    maximum=model.max_prompt_length,
                    required=True,
                    example=EXAMPLE_PROMPT,
                )
            ]
            fields = _fields(declared, example, models=())
            made.append(Variant(model.id, "", model.label, fields, (Example("Remix", example),)))
        return tuple(made)

    return Endpoint(
        "sora-remix",
        "Videos",
        "sora-2 / sora-2-pro",
        "Video remix",
        method,
        path,
        "video",
        "docs/api/videos.md",
        description="A new task that reworks a finished video.",
        path_params=(PathParam("id", "Video id", "The id of a finished Sora video."),),
        family="openai_video",
        queries=("sora-query",),
        task_param="",
        models=tuple(m.id for m in SORA_MODELS),
        _variants=variants,
    )


def _file_endpoints() -> list[Endpoint]:
    models = tuple(m.id for m in CHAT_MODELS if m.file_input)
    default_model = "gemini-3.0-pro-preview" if "gemini-3.0-pro-preview" in models else models[0]
    file_id = PathParam("file_id", "File id", "The qfile-… id the create call answered with.")
    source = "endpoints.py, after docs/api/files.md"
    fields = (
        BodyField(
            "model",
            "Model",
            "The Gemini model that will read the file.",
            "string",
            required=True,
            example=default_model,
            suggestions=models,
            source=source,
        ),
        BodyField(
            "source_url",
            "Source URL",
            "A public http(s) link to the file (up to 2 GB); the provider copies it.",
            "string",
            required=True,
            example=EXAMPLE_SOURCE_URL,
            max_length=2000,
            source=source,
        ),
        BodyField(
            "expires_in",
            "Expires in",
            "Seconds the provider keeps the file: one hour to seven days.",
            "integer",
            default=files_api.DEFAULT_EXPIRES_IN,
            example=files_api.DEFAULT_EXPIRES_IN,
            minimum=files_api.MIN_EXPIRES_IN,
            maximum=files_api.MAX_EXPIRES_IN,
            source=source,
        ),
    )
    example = {f.path: f.example for f in fields}

    def create_variants() -> tuple[Variant, ...]:
        return (Variant(default_model, "", "", fields, (Example("Import a PDF", example),)),)

    doc = "docs/api/files.md"
    return [
        Endpoint(
            "files-create",
            "Files",
            "Files",
            "Create file upload task",
            "POST",
            files_api.PATH,
            "file",
            doc,
            task_id_from="id",
            queries=("files-get",),
            models=models,
            _variants=create_variants,
        ),
        Endpoint(
            "files-get",
            "Files",
            "Files",
            "Query file status",
            "GET",
            files_api.PATH + "/{file_id}",
            "query",
            doc,
            path_params=(file_id,),
            task_param="file_id",
        ),
        Endpoint("files-list", "Files", "Files", "List files", "GET", files_api.PATH, "query", doc),
        Endpoint(
            "files-delete",
            "Files",
            "Files",
            "Delete file",
            "DELETE",
            files_api.PATH + "/{file_id}",
            "file",
            doc,
            path_params=(file_id,),
            description="No source documents it; an API without it answers 404 or 405.",
        ),
    ]


GROUPS = ("Models", "Chat", "Bypass", "Images", "Videos", "Files")


@cache
def endpoints() -> tuple[Endpoint, ...]:
    made = [
        Endpoint(
            "models-list",
            "Models",
            "Models",
            "Model list",
            "GET",
            "/v1/models",
            "models",
            "docs/api/chat.md §3",
            description="Every model the key may use.",
        )
    ]
    made += [_chat_endpoint(*row) for row in _CHAT_ENDPOINTS]
    media = _media_endpoints()
    gemini_chat = _chat_endpoint(
        GEMINI_IMAGE_CHAT,
        "Images",
        "Gemini image",
        "Chat interface",
        "chat_completions",
        "images.md §4.2",
        image_output=True,
    )
    at = next(i for i, e in enumerate(media) if e.section == "Gemini image")
    made += [*media[:at], gemini_chat, *media[at:]]
    made += _file_endpoints()
    ids = [e.id for e in made]
    assert len(ids) == len(set(ids)), ids
    return tuple(sorted(made, key=lambda e: GROUPS.index(e.group)))


def endpoint(endpoint_id: str) -> Endpoint | None:
    return next((e for e in endpoints() if e.id == endpoint_id), None)


def menu(query: str = "") -> list[tuple[str, list[tuple[str, list[Endpoint]]]]]:
    """The endpoints as the docs' menu groups them: [(group, [(section, endpoints)])], only
    those whose text holds every word of `query`."""
    words = query.lower().split()
    grouped: dict[str, dict[str, list[Endpoint]]] = {}
    for item in endpoints():
        if all(word in item.search_text for word in words):
            grouped.setdefault(item.group, {}).setdefault(item.section, []).append(item)
    return [(group, list(sections.items())) for group, sections in grouped.items()]


# --- checking a body against its variant -----------------------------------------------


def validate(variant: Variant, body: Any) -> dict[str, str]:
    """Plain-language problems with `body`, by field path ("" for the body as a whole).
    Keys the table does not know pass: the API may take more than the app sends."""
    if not isinstance(body, dict):
        return {"": "The body must be a JSON object: { … }."}
    errors: dict[str, str] = {}
    for spec in variant.fields:
        value = get_path(body, spec.path)
        if value is _MISSING or value is None or (spec.type == "string" and value == ""):
            if spec.required:
                errors[spec.path] = f"{spec.label} is required."
            continue
        if problem := _problem(spec, value):
            errors[spec.path] = problem
    for rule in variant.rules:
        if rule.path not in errors and all(
            get_path(body, path) == value for path, value in rule.when.items()
        ):
            errors[rule.path] = rule.message
    return errors


def _problem(spec: BodyField, value: Any) -> str:
    label = spec.label
    if spec.enum and value not in spec.enum:
        return f"{label} must be one of: {', '.join(spec.choices)}."
    match spec.type:
        case "string":
            if not isinstance(value, str):
                return f"{label} must be text (in quotes)."
            if spec.max_length is not None and len(value) > spec.max_length:
                return f"{label} is too long: {len(value)} characters, at most {spec.max_length}."
            if spec.numeric_text:
                try:
                    return _range_problem(spec, float(value))
                except ValueError:
                    return f'{label} must be a number written as text, such as "5".'
        case "integer":
            if isinstance(value, bool) or not isinstance(value, int):
                return f"{label} must be a whole number."
            return _range_problem(spec, value)
        case "number":
            if isinstance(value, bool) or not isinstance(value, int | float):
                return f"{label} must be a number."
            return _range_problem(spec, value)
        case "boolean":
            if not isinstance(value, bool):
                return f"{label} must be true or false."
        case "json":
            if isinstance(spec.example, list) and not isinstance(value, list | str):
                return f"{label} must be a list: [ … ]."
            if isinstance(spec.example, dict) and not isinstance(value, dict | str):
                return f"{label} must be an object: {{ … }}."
    return ""


def _range_problem(spec: BodyField, number: float) -> str:
    low, high = spec.minimum, spec.maximum
    if (low is None or number >= low) and (high is None or number <= high):
        return ""
    if low is not None and high is not None:
        return f"{spec.label} must be between {_num(low)} and {_num(high)}."
    if low is not None:
        return f"{spec.label} must be at least {_num(low)}."
    return f"{spec.label} must be at most {_num(high)}."


def _num(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)
