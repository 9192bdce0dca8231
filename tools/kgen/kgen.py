#!/usr/bin/env python3
"""kgen: generates samsa's C++ Kafka message codecs from spec/*.kspec.

The spec format is described in tools/kgen/README.md. For every spec the generator
writes one header per message (e.g. produce_request.h, produce_response.h); across all
specs it writes messages.cpp (every decode/encode body), api_table.h (a constexpr list
of the APIs with their served and flexible versions) and all.h (includes everything
and lists one descriptor type per API).

Input is validated strictly: any error is reported as FILE:LINE: message and the
generator exits with status 1 without writing anything. Standard library only.
"""
import argparse
import os
import re
import sys

MAX_VERSION = 32767  # an open range "N+" ends at the message's highest served version
NO_FLEXIBLE = 32767  # first_flexible_version of an API that has no flexible version

# name -> (C++ type, classic min size, flexible min size)
PRIMITIVES = {
    "bool": ("bool", 1, 1),
    "int8": ("int8_t", 1, 1),
    "int16": ("int16_t", 2, 2),
    "uint16": ("uint16_t", 2, 2),
    "int32": ("int32_t", 4, 4),
    "int64": ("int64_t", 8, 8),
    "float64": ("double", 8, 8),
    "uuid": ("Uuid", 16, 16),
    "string": ("std::string", 2, 1),
    "bytes": ("std::vector<uint8_t>", 4, 1),
    "records": ("Records", 4, 1),
}
NULLABLE_KINDS = {"string", "bytes", "records", "array", "struct"}
INT_LIMITS = {
    "int8": (-(2**7), 2**7 - 1),
    "int16": (-(2**15), 2**15 - 1),
    "uint16": (0, 2**16 - 1),
    "int32": (-(2**31), 2**31 - 1),
    "int64": (-(2**63), 2**63 - 1),
}
STRUCT_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
CXX_KEYWORDS = {"default", "class", "struct", "delete", "new", "operator", "template",
                "namespace", "union", "private", "public", "protected", "register"}


class SpecError(Exception):
    pass


class VersionRange:
    """An inclusive range of versions; empty when lo > hi."""

    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    @property
    def empty(self):
        return self.lo > self.hi

    def contains(self, other):
        return other.empty or (self.lo <= other.lo and other.hi <= self.hi)

    def intersect(self, other):
        return VersionRange(max(self.lo, other.lo), min(self.hi, other.hi))

    def overlaps(self, other):
        return not self.intersect(other).empty

    def __eq__(self, other):
        return (self.empty and other.empty) or (self.lo, self.hi) == (other.lo, other.hi)

    def __str__(self):
        return "none" if self.empty else f"{self.lo}-{self.hi}"

    def guard(self, whole, var="version"):
        """C++ condition selecting this range, given the versions `whole` can reach."""
        if self.contains(whole):
            return None
        parts = []
        if self.lo > whole.lo:
            parts.append(f"{var} >= {self.lo}")
        if self.hi < whole.hi:
            parts.append(f"{var} <= {self.hi}")
        return " && ".join(parts)


def parse_range(text, message_range, where):
    text = text.strip()
    if text == "none":
        return VersionRange(1, 0)
    m = re.fullmatch(r"(\d+)\+", text)
    if m:
        if int(m.group(1)) > message_range.hi:
            raise SpecError(f"{where}: '{text}' starts after the highest served version {message_range.hi}")
        return VersionRange(int(m.group(1)), message_range.hi)
    m = re.fullmatch(r"(\d+)-(\d+)", text)
    if m:
        lo, hi = int(m.group(1)), int(m.group(2))
        if lo > hi:
            raise SpecError(f"{where}: empty version range '{text}'")
        return VersionRange(lo, hi)
    m = re.fullmatch(r"\d+", text)
    if m:
        return VersionRange(int(text), int(text))
    raise SpecError(f"{where}: bad version range '{text}' (use N, N-M, N+ or none)")


# ----------------------------------------------------------------------------- model


class Field:
    def __init__(self, where, name, type_text):
        self.where = where
        self.name = name
        self.type_text = type_text
        self.versions = None
        self.nullable = VersionRange(1, 0)
        self.tag = None
        self.tagged = None
        self.default = None  # spec text, or None
        self.children = []  # fields of an inline struct
        self.struct = None  # resolved Struct for struct and struct-array types

    @property
    def is_array(self):
        return self.type_text.startswith("[]")

    @property
    def elem(self):
        return self.type_text[2:] if self.is_array else self.type_text

    @property
    def kind(self):
        if self.is_array:
            return "array"
        return self.type_text if self.type_text in PRIMITIVES else "struct"

    @property
    def ever_nullable(self):
        return not self.nullable.empty

    @property
    def wire_versions(self):
        """Versions in which the field is encoded in the fixed (untagged) part."""
        return VersionRange(1, 0) if self.tag is not None else self.versions


class Struct:
    def __init__(self, where, name, fields):
        self.where = where
        self.name = name
        self.fields = fields


class Message:
    def __init__(self, where, kind, name):
        self.where = where
        self.kind = kind  # "request" or "response"
        self.name = name
        self.fields = []
        self.common = []  # Structs declared with `struct Name`
        self.structs = []  # every nested Struct, dependencies first

    @property
    def header(self):
        return snake(self.name) + ".h"


class Api:
    def __init__(self, path):
        self.path = path
        self.key = None
        self.name = None
        self.versions = None
        self.flexible = None
        self.messages = []


def snake(name):
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    return s.lower()


# ----------------------------------------------------------------------------- parsing

ATTRS = {"versions", "nullable", "tag", "tagged", "default"}


def split_attrs(text, where):
    """Splits `versions=3+ default="a b"` into a dict; quoted values may hold spaces."""
    attrs = {}
    for m in re.finditer(r'\s*([a-z]+)=("(?:[^"\\]|\\.)*"|\S+)|\s*(\S+)', text):
        if m.group(3):
            raise SpecError(f"{where}: expected key=value, got '{m.group(3)}'")
        key, value = m.group(1), m.group(2)
        if key not in ATTRS:
            raise SpecError(f"{where}: unknown attribute '{key}' (known: {', '.join(sorted(ATTRS))})")
        if key in attrs:
            raise SpecError(f"{where}: attribute '{key}' given twice")
        attrs[key] = value
    return attrs


def parse_spec(path):
    api = Api(path)
    base = os.path.basename(path)
    lines = []
    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, 1):
            where = f"{path}:{number}"
            line = raw.rstrip("\n").rstrip()
            if "\t" in line:
                raise SpecError(f"{where}: tabs are not allowed; indent with two spaces")
            if not line.strip() or line.strip().startswith("#"):
                continue
            indent = len(line) - len(line.lstrip(" "))
            if indent % 2:
                raise SpecError(f"{where}: indentation must be a multiple of two spaces")
            lines.append((where, indent // 2, line.strip()))

    message = None
    stack = []  # (depth, list that fields at depth+1 are appended to, owner Field/None)
    for where, depth, text in lines:
        if depth == 0:
            words = text.split()
            head = words[0]
            if head == "api":
                if len(words) != 3 or not words[1].isdigit() or not STRUCT_NAME.match(words[2]):
                    raise SpecError(f"{where}: expected 'api KEY Name'")
                api.key, api.name = int(words[1]), words[2]
            elif head == "versions":
                if len(words) != 2 or not re.fullmatch(r"\d+-\d+", words[1]):
                    raise SpecError(f"{where}: expected 'versions MIN-MAX'")
                api.versions = parse_range(words[1], VersionRange(0, MAX_VERSION), where)
            elif head == "flexible":
                if api.versions is None:
                    raise SpecError(f"{where}: 'flexible' must follow 'versions'")
                if len(words) != 2:
                    raise SpecError(f"{where}: expected 'flexible N+' or 'flexible none'")
                flex = parse_range(words[1], api.versions, where)
                if not flex.empty and flex.hi != api.versions.hi:
                    raise SpecError(f"{where}: flexible versions must be open-ended (N+)")
                if not api.versions.contains(flex):
                    raise SpecError(f"{where}: flexible range {flex} outside versions {api.versions}")
                api.flexible = flex
            elif head in ("request", "response"):
                if api.key is None or api.versions is None or api.flexible is None:
                    raise SpecError(f"{where}: 'api', 'versions' and 'flexible' must come first")
                if len(words) != 2 or not STRUCT_NAME.match(words[1]):
                    raise SpecError(f"{where}: expected '{head} MessageName'")
                expected = api.name + head.capitalize()
                if words[1] != expected:
                    raise SpecError(f"{where}: the {head} of API {api.name} must be named {expected}")
                if any(m.kind == head for m in api.messages):
                    raise SpecError(f"{where}: second {head} message")
                message = Message(where, head, words[1])
                api.messages.append(message)
                stack = [(0, message.fields, None)]
            else:
                raise SpecError(f"{where}: unknown directive '{head}'")
            continue

        if message is None:
            raise SpecError(f"{where}: indented line outside a request/response")
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if not stack or stack[-1][0] != depth - 1:
            raise SpecError(f"{where}: unexpected indentation")
        parent_list = stack[-1][1]

        if text.startswith("struct "):
            if depth != 1:
                raise SpecError(f"{where}: 'struct' declarations belong directly under the message")
            name = text.split(None, 1)[1].strip()
            if not STRUCT_NAME.match(name):
                raise SpecError(f"{where}: bad struct name '{name}'")
            common = Struct(where, name, [])
            message.common.append(common)
            stack.append((depth, common.fields, None))
            continue

        m = re.fullmatch(r"([A-Za-z0-9_]+):\s*(\S+)(.*)", text)
        if not m:
            raise SpecError(f"{where}: expected 'field_name: type [attr=value ...]'")
        name, type_text, rest = m.groups()
        if not FIELD_NAME.match(name) or name in CXX_KEYWORDS:
            raise SpecError(f"{where}: field name '{name}' must be snake_case and not a C++ keyword")
        field = Field(where, name, type_text)
        attrs = split_attrs(rest, where)
        field.attrs = attrs
        parent_list.append(field)
        stack.append((depth, field.children, field))
    if api.key is None:
        raise SpecError(f"{path}:1: missing 'api KEY Name'")
    kinds = sorted(m.kind for m in api.messages)
    if kinds != ["request", "response"]:
        raise SpecError(f"{path}:1: a spec holds exactly one request and one response")
    expected_file = f"{api.key}_{snake(api.name)}.kspec"
    if base != expected_file:
        raise SpecError(f"{path}:1: file must be named {expected_file}")
    return api


# ----------------------------------------------------------------------------- validation


def resolve_fields(api, message, fields, parent_range, owner_name, structs_by_name):
    names, tags = {}, {}
    for field in fields:
        where = field.where
        if field.name in names:
            raise SpecError(f"{where}: duplicate field '{field.name}' in {owner_name}")
        names[field.name] = field
        attrs = field.attrs
        field.versions = (parse_range(attrs["versions"], api.versions, where)
                          if "versions" in attrs else VersionRange(parent_range.lo, parent_range.hi))
        if field.versions.empty:
            raise SpecError(f"{where}: field '{field.name}' is in no version")
        if not api.versions.contains(field.versions):
            raise SpecError(f"{where}: versions {field.versions} outside the served range {api.versions}")
        if not parent_range.contains(field.versions):
            raise SpecError(f"{where}: versions {field.versions} outside the enclosing range {parent_range}")

        elem = field.elem
        if field.is_array and elem.startswith("[]"):
            raise SpecError(f"{where}: arrays of arrays are not supported")
        if elem not in PRIMITIVES and not STRUCT_NAME.match(elem):
            raise SpecError(f"{where}: unknown type '{field.type_text}'")
        if field.is_array and elem == "records":
            raise SpecError(f"{where}: arrays of records are not supported")
        if elem in PRIMITIVES and field.children:
            raise SpecError(f"{where}: a {elem} field cannot have nested fields")

        if "nullable" in attrs:
            field.nullable = parse_range(attrs["nullable"], api.versions, where)
            if field.kind not in NULLABLE_KINDS:
                raise SpecError(f"{where}: type {field.type_text} cannot be nullable")
            if not field.versions.contains(field.nullable):
                raise SpecError(f"{where}: nullable versions {field.nullable} outside the field's {field.versions}")

        if ("tag" in attrs) != ("tagged" in attrs):
            raise SpecError(f"{where}: 'tag' and 'tagged' go together")
        if "tag" in attrs:
            if not attrs["tag"].isdigit():
                raise SpecError(f"{where}: tag must be a non-negative integer")
            field.tag = int(attrs["tag"])
            field.tagged = parse_range(attrs["tagged"], api.versions, where)
            if not api.flexible.contains(field.tagged) or field.tagged.empty:
                raise SpecError(f"{where}: tagged versions {field.tagged} must lie within the flexible versions {api.flexible}")
            if not field.versions.contains(field.tagged):
                raise SpecError(f"{where}: tagged versions {field.tagged} outside the field's {field.versions}")
            if field.tag in tags:
                raise SpecError(f"{where}: tag {field.tag} already used by '{tags[field.tag].name}' in {owner_name}")
            tags[field.tag] = field
            # The field only exists on the wire in its tagged versions.
            field.versions = field.tagged

        if "default" in attrs:
            field.default = attrs["default"]
            check_default(field)

        if field.kind in ("struct",) or (field.is_array and elem not in PRIMITIVES):
            if field.children:
                struct = Struct(where, elem, field.children)
                struct.versions = field.versions
                if elem in structs_by_name:
                    raise SpecError(f"{where}: struct {elem} defined twice in {message.name} "
                                    f"(first at {structs_by_name[elem].where})")
                structs_by_name[elem] = struct
                resolve_fields(api, message, field.children, field.versions, elem, structs_by_name)
                message.structs.append(struct)
                field.struct = struct
            else:
                common = next((c for c in message.common if c.name == elem), None)
                if common is None:
                    raise SpecError(f"{where}: unknown type '{elem}' (no nested fields and no 'struct {elem}')")
                field.struct = common
                old = getattr(common, "versions", None)
                common.versions = field.versions if old is None else VersionRange(
                    min(old.lo, field.versions.lo), max(old.hi, field.versions.hi))


def check_default(field):
    value, where, kind = field.default, field.where, field.kind
    if value == "null":
        if not field.ever_nullable:
            raise SpecError(f"{where}: default null on a field that is never nullable")
        return
    if kind in ("array", "struct", "records", "bytes"):
        raise SpecError(f"{where}: a {field.type_text} field can only default to null")
    if kind in INT_LIMITS:
        try:
            number = int(value, 0)
        except ValueError:
            raise SpecError(f"{where}: default '{value}' is not an integer")
        lo, hi = INT_LIMITS[kind]
        if not lo <= number <= hi:
            raise SpecError(f"{where}: default {value} does not fit {kind}")
    elif kind == "bool":
        if value not in ("true", "false"):
            raise SpecError(f"{where}: bool default must be true or false")
    elif kind == "float64":
        try:
            float(value)
        except ValueError:
            raise SpecError(f"{where}: default '{value}' is not a number")
    elif kind == "string":
        if not (len(value) >= 2 and value[0] == value[-1] == '"'):
            raise SpecError(f"{where}: string defaults are quoted, e.g. default=\"\"")
    elif kind == "uuid":
        raise SpecError(f"{where}: uuid fields always default to the zero uuid")


def order_structs(message):
    """Every struct, each after the structs its fields use (C++ needs complete types)."""
    ordered, seen = [], set()

    def visit(struct):
        if struct.name in seen:
            return
        seen.add(struct.name)
        for field in struct.fields:
            if field.struct is not None:
                visit(field.struct)
        ordered.append(struct)

    for common in message.common:
        visit(common)
    for struct in list(message.structs):
        visit(struct)
    message.structs = ordered


def validate(api):
    for message in api.messages:
        structs = {}
        for common in message.common:
            if common.name in structs:
                raise SpecError(f"{common.where}: struct {common.name} declared twice")
            structs[common.name] = common
        for common in message.common:
            resolve_fields(api, message, common.fields, api.versions, common.name, structs)
        resolve_fields(api, message, message.fields, api.versions, message.name, structs)
        order_structs(message)
        for common in message.common:
            if not any(uses_struct(f, common) for f in all_fields(message)):
                raise SpecError(f"{common.where}: struct {common.name} is never used")
        for struct in message.structs:
            for flexible in (False, True):
                versions = api.flexible if flexible else VersionRange(api.versions.lo, api.flexible.lo - 1)
                versions = versions.intersect(struct.versions)
                if versions.empty:
                    continue
                if min_size(struct.fields, versions, flexible) == 0:
                    raise SpecError(f"{struct.where}: struct {struct.name} can encode to zero bytes, "
                                    "which would make array lengths unverifiable")


def all_fields(message):
    out = list(message.fields)
    for struct in message.structs:
        out.extend(struct.fields)
    return out


def uses_struct(field, struct):
    return field.struct is struct


def min_size(fields, versions, flexible):
    """A lower bound on the encoded size of these fields in any of `versions`."""
    best = None
    for v in range(versions.lo, versions.hi + 1):
        total = 1 if flexible else 0  # the tagged-field count
        for field in fields:
            if field.tag is not None or not (field.versions.lo <= v <= field.versions.hi):
                continue
            total += field_min_size(field, flexible, v)
        best = total if best is None else min(best, total)
    return best or 0


def field_min_size(field, flexible, version):
    if field.is_array:
        return 1 if flexible else 4
    if field.kind == "struct":
        if field.nullable.lo <= version <= field.nullable.hi:
            return 1
        return min_size(field.struct.fields, VersionRange(version, version), flexible)
    _, classic, flex = PRIMITIVES[field.kind]
    return flex if flexible else classic


def elem_min_size(field, flexible, versions):
    if field.elem in PRIMITIVES:
        _, classic, flex = PRIMITIVES[field.elem]
        return flex if flexible else classic
    return max(1, min_size(field.struct.fields, versions, flexible))


# ----------------------------------------------------------------------------- C++ types


def elem_cxx(field):
    return PRIMITIVES[field.elem][0] if field.elem in PRIMITIVES else field.elem


def cxx_type(field):
    if field.is_array:
        base = f"std::vector<{elem_cxx(field)}>"
    elif field.kind == "struct":
        base = field.elem
    else:
        base = PRIMITIVES[field.kind][0]
    if field.ever_nullable and field.kind != "records":  # Records carries its own null flag
        return f"std::optional<{base}>"
    return base


def cxx_int_literal(kind, value):
    number = int(value, 0)
    lo, _ = INT_LIMITS[kind]
    if number == lo:
        return f"std::numeric_limits<{PRIMITIVES[kind][0]}>::min()"
    return value


def cxx_default(field):
    """Member initialiser (without '='), or None for value-initialisation."""
    kind, value = field.kind, field.default
    if value == "null":
        return None  # std::optional starts empty
    if field.ever_nullable and kind != "records":
        # Kafka's nullable fields default to an empty, present value.
        if kind == "string":
            return f"std::string({value})" if value else "std::string()"
        base = cxx_type(field)[len("std::optional<"):-1]
        return f"{base}{{}}"
    if value is None:
        if kind in INT_LIMITS or kind == "float64":
            return "0"
        if kind == "bool":
            return "false"
        return None
    if kind in INT_LIMITS:
        return cxx_int_literal(kind, value)
    if kind == "string":
        return value if value != '""' else None
    return value  # bool, float64


def default_check(field, ref, scope=""):
    """C++ expression true when the value at `ref` equals the field's default."""
    kind, value = field.kind, field.default
    nullable = field.ever_nullable and kind != "records"
    if value == "null":
        return f"!{ref}.has_value()"
    if kind in INT_LIMITS or kind == "float64":
        return f"{ref} == {cxx_int_literal(kind, value) if kind in INT_LIMITS and value else (value or '0')}"
    if kind == "bool":
        return f"{ref} == {value or 'false'}"
    if kind == "uuid":
        return f"{ref}.is_zero()"
    if kind == "records":
        return f"(!{ref}.null && {ref}.size() == 0)"
    if kind == "string":
        text = value if value else '""'
        return f"({ref}.has_value() && *{ref} == {text})" if nullable else f"{ref} == {text}"
    if kind in ("bytes", "array"):
        return f"({ref}.has_value() && {ref}->empty())" if nullable else f"{ref}.empty()"
    # struct
    base = scope + field.elem
    return f"({ref}.has_value() && *{ref} == {base}{{}})" if nullable else f"{ref} == {base}{{}}"


# ----------------------------------------------------------------------------- code emission


class Code:
    def __init__(self):
        self.lines = []
        self.depth = 0

    def __call__(self, text=""):
        self.lines.append(("  " * self.depth + text) if text else "")

    def open(self, text):
        self(text + " {" if text else "{")
        self.depth += 1

    def close(self, text="}"):
        self.depth -= 1
        self(text)

    def text(self):
        return "\n".join(self.lines) + "\n"


def emit_header(api, message, spec_name):
    code = Code()
    code(f"// {message.name}: Kafka API {api.name} (key {api.key}), served versions "
         f"{api.versions.lo}-{api.versions.hi}.")
    code(f"// Generated by tools/kgen/kgen.py from spec/{spec_name}. Do not edit.")
    code("#pragma once")
    code()
    for inc in ("<cstdint>", "<limits>", "<optional>", "<string>", "<vector>"):
        code(f"#include {inc}")
    code()
    code('#include "samsa/protocol/reader.h"')
    code('#include "samsa/protocol/types.h"')
    code('#include "samsa/protocol/writer.h"')
    code()
    code("namespace samsa::protocol {")
    code()
    code.open(f"struct {message.name}")
    code(f"static constexpr int16_t api_key = {api.key};")
    code(f"static constexpr int16_t min_version = {api.versions.lo};")
    code(f"static constexpr int16_t max_version = {api.versions.hi};")
    first_flex = api.flexible.lo if not api.flexible.empty else NO_FLEXIBLE
    code(f"static constexpr int16_t first_flexible_version = {first_flex};")
    code()
    for struct in message.structs:
        code.open(f"struct {struct.name}")
        for field in struct.fields:
            init = cxx_default(field)
            code(f"{cxx_type(field)} {field.name}" + (f" = {init};" if init else "{};"))
        code("std::vector<TaggedField> unknown_tagged_fields;  // kept to re-encode byte-exact")
        code()
        code(f"bool operator==(const {struct.name}&) const = default;")
        code.close("};")
        code()
    for field in message.fields:
        init = cxx_default(field)
        code(f"{cxx_type(field)} {field.name}" + (f" = {init};" if init else "{};"))
    code("std::vector<TaggedField> unknown_tagged_fields;  // kept to re-encode byte-exact")
    code()
    code("// Throws DecodeError on malformed input or a version outside the served range.")
    code("void decode(Reader& reader, int16_t version);")
    code("// Throws EncodeError if a value cannot be expressed in this version.")
    code("void encode(Writer& writer, int16_t version) const;")
    code()
    code(f"bool operator==(const {message.name}&) const = default;")
    code.close("};")
    code()
    code("}  // namespace samsa::protocol")
    return code.text()


class BodyEmitter:
    """Emits the decode/encode function templates of one message's structs."""

    def __init__(self, api, message, code):
        self.api, self.message, self.code = api, message, code

    def qualified(self, struct_name):
        return f"{self.message.name}::{struct_name}" if struct_name != self.message.name else struct_name

    # --- decoding

    def decode_scalar(self, kind, target, nullable_cond, where_name, elem_struct=None):
        """Code reading one non-array value of `kind` into `target` (an lvalue)."""
        c = self.code
        if kind in ("bool", "int8", "int16", "uint16", "int32", "int64", "float64", "uuid"):
            c(f"{target} = r.read_{kind}();")
        elif kind in ("string", "bytes"):
            compact, classic = f"r.read_compact_{kind}", f"r.read_{kind}"
            if nullable_cond is None:
                c(f"{target} = kFlex ? {compact}() : {classic}();")
            else:
                ncompact, nclassic = f"r.read_compact_nullable_{kind}", f"r.read_nullable_{kind}"
                if nullable_cond == "true":
                    c(f"{target} = kFlex ? {ncompact}() : {nclassic}();")
                else:
                    c.open(f"if ({nullable_cond})")
                    c(f"{target} = kFlex ? {ncompact}() : {nclassic}();")
                    c.close("} else {")
                    c.depth += 1
                    c(f"{target} = kFlex ? {compact}() : {classic}();")
                    c.close()
        elif kind == "records":
            c(f"{target} = r.read_records(kFlex);")
            if nullable_cond != "true":
                cond = f"{target}.null" if nullable_cond is None else f"{target}.null && !({nullable_cond})"
                c(f'if ({cond}) throw DecodeError("null records in non-nullable field {where_name}");')
        else:  # struct
            if nullable_cond is None:
                c(f"decode_struct<kFlex>(r, {target}, version);")
            else:
                guard = "" if nullable_cond == "true" else f"({nullable_cond}) && "
                c.open(f"if ({guard}r.read_int8() < 0)")
                c(f"{target}.reset();")
                c.close("} else {")
                c.depth += 1
                c(f"decode_struct<kFlex>(r, {target}.emplace(), version);")
                c.close()

    def decode_field(self, field, ref):
        c = self.code
        null_cond = self.nullable_cond(field)
        if field.is_array:
            var = f"n_{field.name}"
            min_classic = elem_min_size(field, False, field.versions)
            min_flex = elem_min_size(field, True, field.versions)
            c.open("")
            c(f"const int32_t {var} = r.read_array_length(kFlex, kFlex ? {min_flex} : {min_classic});")
            vec = ref
            if field.ever_nullable:
                c.open(f"if ({var} < 0)")
                if null_cond != "true":
                    c(f'if (!({null_cond})) throw DecodeError("null array in non-nullable field {field.name}");')
                c(f"{ref}.reset();")
                c.close("} else {")
                c.depth += 1
                c(f"auto& vec = {ref}.emplace();")
                vec = "vec"
            else:
                c(f'if ({var} < 0) throw DecodeError("null array in non-nullable field {field.name}");')
            c(f"{vec}.clear();")
            c(f"{vec}.reserve(static_cast<size_t>({var}));")
            c.open(f"for (int32_t i = 0; i < {var}; ++i)")
            if field.elem in PRIMITIVES:
                c(f"{vec}.emplace_back();")
                self.decode_scalar(field.elem, f"{vec}.back()", None, field.name)
            else:
                c(f"decode_struct<kFlex>(r, {vec}.emplace_back(), version);")
            c.close()
            if field.ever_nullable:
                c.close()
            c.close()
        else:
            self.decode_scalar(field.kind, ref, null_cond, field.name)

    def nullable_cond(self, field):
        """None if never nullable, "true" if nullable in all its versions, else a guard."""
        if not field.ever_nullable:
            return None
        guard = field.nullable.guard(field.versions)
        return "true" if guard is None else guard

    def emit_untagged(self, fields, emit_field):
        """The fields that are not tagged, in wire order, each under its version guard
        (decode and encode walk them alike; tagged fields follow separately)."""
        whole = self.api.versions
        for field in fields:
            if field.tag is not None:
                continue
            guard = field.versions.guard(whole)
            if guard:
                self.code.open(f"if ({guard})")
            emit_field(field, f"v.{field.name}")
            if guard:
                self.code.close()

    def emit_decode(self, struct_name, fields):
        c = self.code
        q = self.qualified(struct_name)
        c("template <bool kFlex>")
        c.open(f"void decode_struct(Reader& r, {q}& v, int16_t version)")
        c("(void)version;")
        whole = self.api.versions
        self.emit_untagged(fields, self.decode_field)
        tagged = sorted((f for f in fields if f.tag is not None), key=lambda f: f.tag)
        c.open("if constexpr (kFlex)")
        c("const uint32_t tag_count = r.read_uvarint();")
        c.open("for (uint32_t t = 0; t < tag_count; ++t)")
        c("const uint32_t tag = r.read_uvarint();")
        c("std::span<uint8_t> data = r.read_span(r.read_uvarint());")
        if tagged:
            c.open("switch (tag)")
            for field in tagged:
                c(f"case {field.tag}:")
                c.depth += 1
                guard = field.tagged.guard(whole)
                c.open(f"if ({guard or 'true'})")
                c("Reader sub(data);")
                c.open("")
                c("Reader& r = sub;  // the field's bytes only")
                self.decode_field(field, f"v.{field.name}")
                c.close()
                c("continue;")
                c.close()
                c("break;")
                c.depth -= 1
            c("default:")
            c("  break;")
            c.close()
        c("v.unknown_tagged_fields.push_back(TaggedField{tag, {data.begin(), data.end()}});")
        c.close()
        c.close()
        c.close()
        c()

    # --- encoding

    def encode_scalar(self, kind, ref, nullable_cond, name):
        c = self.code
        if kind in ("bool", "int8", "int16", "uint16", "int32", "int64", "float64", "uuid"):
            c(f"w.write_{kind}({ref});")
        elif kind in ("string", "bytes"):
            if nullable_cond is None:
                c(f"kFlex ? w.write_compact_{kind}({ref}) : w.write_{kind}({ref});")
            else:
                if nullable_cond != "true":
                    c.open(f"if (!({nullable_cond}))")
                    c(f'if (!{ref}) throw EncodeError("{name} is null in a version where it is not nullable");')
                    c(f"kFlex ? w.write_compact_{kind}(*{ref}) : w.write_{kind}(*{ref});")
                    c.close("} else {")
                    c.depth += 1
                c(f"kFlex ? w.write_compact_nullable_{kind}({ref}) : w.write_nullable_{kind}({ref});")
                if nullable_cond != "true":
                    c.close()
        elif kind == "records":
            if nullable_cond != "true":
                cond = f"{ref}.null" if nullable_cond is None else f"{ref}.null && !({nullable_cond})"
                c(f'if ({cond}) throw EncodeError("{name} is null in a version where it is not nullable");')
            c(f"w.write_records({ref}, kFlex);")
        else:
            if nullable_cond is None:
                c(f"encode_struct<kFlex>(w, {ref}, version);")
            else:
                c.open(f"if (!{ref})")
                if nullable_cond != "true":
                    c(f'if (!({nullable_cond})) throw EncodeError("{name} is null in a version where it is not nullable");')
                c("w.write_int8(-1);")
                c.close("} else {")
                c.depth += 1
                if nullable_cond != "true":
                    c(f"if ({nullable_cond}) w.write_int8(1);")
                else:
                    c("w.write_int8(1);")
                c(f"encode_struct<kFlex>(w, *{ref}, version);")
                c.close()

    def encode_field(self, field, ref):
        c = self.code
        null_cond = self.nullable_cond(field)
        if field.is_array:
            vec = ref
            c.open("")
            if field.ever_nullable:
                c.open(f"if (!{ref})")
                if null_cond != "true":
                    c(f'if (!({null_cond})) throw EncodeError("{field.name} is null in a version where it is not nullable");')
                c("w.write_null_array(kFlex);")
                c.close("} else {")
                c.depth += 1
                vec = f"(*{ref})"
            c(f"w.write_array_length({vec}.size(), kFlex);")
            c.open(f"for (const auto& e : {vec})")
            if field.elem in PRIMITIVES:
                self.encode_scalar(field.elem, "e", None, field.name)
            else:
                c("encode_struct<kFlex>(w, e, version);")
            c.close()
            if field.ever_nullable:
                c.close()
            c.close()
        else:
            self.encode_scalar(field.kind, ref, null_cond, field.name)

    def emit_encode(self, struct_name, fields):
        c = self.code
        q = self.qualified(struct_name)
        whole = self.api.versions
        c("template <bool kFlex>")
        c.open(f"void encode_struct(Writer& w, const {q}& v, int16_t version)")
        c("(void)version;")
        self.emit_untagged(fields, self.encode_field)
        tagged = sorted((f for f in fields if f.tag is not None), key=lambda f: f.tag)
        c.open("if constexpr (kFlex)")
        for field in tagged:
            guard = field.tagged.guard(whole)
            cond = f"!({default_check(field, 'v.' + field.name, self.message.name + '::')})"
            if guard:
                cond = f"({guard}) && {cond}"
            c(f"const bool has_{field.name} = {cond};")
        count = " + ".join(["v.unknown_tagged_fields.size()"] +
                           [f"(has_{f.name} ? 1u : 0u)" for f in tagged])
        c(f"w.write_uvarint(static_cast<uint32_t>({count}));")
        c("size_t u = 0;")
        c("const auto& unknown = v.unknown_tagged_fields;")
        for field in tagged:
            if field.tag > 0:
                c(f"while (u < unknown.size() && unknown[u].tag < {field.tag}) w.write_tagged_field(unknown[u++]);")
            c.open(f"if (has_{field.name})")
            c.open(f"w.write_tagged_field({field.tag}, [&](Writer& w)")
            self.encode_field(field, f"v.{field.name}")
            c.close("});")
            c.close()
        c("while (u < unknown.size()) w.write_tagged_field(unknown[u++]);")
        c.close()
        c.close()
        c()


def emit_messages_cpp(apis):
    code = Code()
    code("// Decoders and encoders of every message in spec/.")
    code("// Generated by tools/kgen/kgen.py. Do not edit.")
    code('#include "samsa/protocol/messages/all.h"')
    code()
    code("namespace samsa::protocol {")
    code("namespace {")
    code()
    code("// Overloads for every struct, declared up front so that they can call each other.")
    for api in apis:
        for message in api.messages:
            for name in [s.name for s in message.structs] + [message.name]:
                q = f"{message.name}::{name}" if name != message.name else name
                code(f"template <bool kFlex> void decode_struct(Reader& r, {q}& v, int16_t version);")
                code(f"template <bool kFlex> void encode_struct(Writer& w, const {q}& v, int16_t version);")
    code()
    code.open("void check_version(int16_t version, int16_t lo, int16_t hi, const char* what)")
    code.open("if (version < lo || version > hi)")
    code('throw DecodeError(std::string(what) + ": unsupported version " + std::to_string(version));')
    code.close()
    code.close()
    code()
    for api in apis:
        for message in api.messages:
            emitter = BodyEmitter(api, message, code)
            for struct in message.structs:
                emitter.emit_decode(struct.name, struct.fields)
                emitter.emit_encode(struct.name, struct.fields)
            emitter.emit_decode(message.name, message.fields)
            emitter.emit_encode(message.name, message.fields)
    code("}  // namespace")
    code()
    for api in apis:
        for message in api.messages:
            n = message.name
            code.open(f"void {n}::decode(Reader& reader, int16_t version)")
            code(f'check_version(version, min_version, max_version, "{n}");')
            code(f"*this = {n}{{}};")
            code.open("if (version >= first_flexible_version)")
            code("decode_struct<true>(reader, *this, version);")
            code.close("} else {")
            code.depth += 1
            code("decode_struct<false>(reader, *this, version);")
            code.close()
            code.close()
            code()
            code.open(f"void {n}::encode(Writer& writer, int16_t version) const")
            code.open("if (version < min_version || version > max_version)")
            code(f'throw EncodeError("{n}: unsupported version " + std::to_string(version));')
            code.close()
            code.open("if (version >= first_flexible_version)")
            code("encode_struct<true>(writer, *this, version);")
            code.close("} else {")
            code.depth += 1
            code("encode_struct<false>(writer, *this, version);")
            code.close()
            code.close()
            code()
    code("}  // namespace samsa::protocol")
    return code.text()


def emit_api_table(apis):
    code = Code()
    code("// Every Kafka API samsa serves: key, name, served versions, first flexible version.")
    code("// The broker derives request/response header versions and ApiVersions from it.")
    code("// Generated by tools/kgen/kgen.py. Do not edit.")
    code("#pragma once")
    code()
    code("#include <array>")
    code("#include <cstdint>")
    code("#include <string_view>")
    code()
    code("namespace samsa::protocol {")
    code()
    code("// first_flexible_version of an API without flexible versions: no version reaches it.")
    code(f"inline constexpr int16_t kNoFlexibleVersion = {NO_FLEXIBLE};")
    code()
    code.open("struct ApiInfo")
    code("int16_t key;")
    code("std::string_view name;")
    code("int16_t min_version;")
    code("int16_t max_version;")
    code("int16_t first_flexible_version;")
    code()
    code("constexpr bool supports(int16_t version) const {")
    code("  return version >= min_version && version <= max_version;")
    code("}")
    code("constexpr bool is_flexible(int16_t version) const { return version >= first_flexible_version; }")
    code.close("};")
    code()
    code("// Sorted by key.")
    code(f"inline constexpr std::array<ApiInfo, {len(apis)}> kApis = {{{{")
    for api in sorted(apis, key=lambda a: a.key):
        flex = api.flexible.lo if not api.flexible.empty else "kNoFlexibleVersion"
        code(f'    {{{api.key}, "{api.name}", {api.versions.lo}, {api.versions.hi}, {flex}}},')
    code("}};")
    code()
    code("// The API with this key, or nullptr if samsa does not serve it.")
    code.open("constexpr const ApiInfo* find_api(int16_t key)")
    code("for (const ApiInfo& api : kApis) {")
    code("  if (api.key == key) return &api;")
    code("}")
    code("return nullptr;")
    code.close()
    code()
    code("}  // namespace samsa::protocol")
    return code.text()


def emit_all(apis):
    code = Code()
    code("// Every generated message, plus one descriptor type per API tying its request and")
    code("// response together (for compile-time registries in the broker).")
    code("// Generated by tools/kgen/kgen.py. Do not edit.")
    code("#pragma once")
    code()
    code("#include <tuple>")
    code()
    code('#include "samsa/protocol/messages/api_table.h"')
    for api in sorted(apis, key=lambda a: a.key):
        for message in api.messages:
            code(f'#include "samsa/protocol/messages/{message.header}"')
    code()
    code("namespace samsa::protocol {")
    code()
    for api in sorted(apis, key=lambda a: a.key):
        code.open(f"struct {api.name}Api")
        code(f"using Request = {api.name}Request;")
        code(f"using Response = {api.name}Response;")
        code(f"static constexpr int16_t key = {api.key};")
        code(f'static constexpr std::string_view name = "{api.name}";')
        code.close("};")
    code()
    names = ", ".join(f"{api.name}Api" for api in sorted(apis, key=lambda a: a.key))
    code(f"using AllApis = std::tuple<{names}>;")
    code()
    code("}  // namespace samsa::protocol")
    return code.text()


def sample_value(field, kind, seed):
    """A non-default C++ value of `kind` for sample messages."""
    if kind in ("int8", "int16", "int32", "int64", "uint16"):
        return str(7 + seed % 100)
    if kind == "float64":
        return f"{seed}.5"
    if kind == "bool":
        return "true" if field.default != "true" else "false"
    if kind == "uuid":
        return f"Uuid{{{seed}, {seed * 3 + 1}}}"
    if kind == "string":
        return f'std::string("{field.name[:12]}{seed}")'
    if kind == "bytes":
        return f"std::vector<uint8_t>{{{seed % 256}, 2, 3}}"
    if kind == "records":
        return "Records::from_view(sample_record_bytes())"
    raise AssertionError(kind)


def emit_samples(apis):
    """Test support: fills every field a version carries with a non-default value."""
    code = Code()
    code("// Test support: sample messages with every field of a version set to a value")
    code("// other than its default (arrays get two elements), or with nullable fields null.")
    code("// Generated by tools/kgen/kgen.py. Do not edit. Include only from tests.")
    code("#pragma once")
    code()
    code('#include "samsa/protocol/messages/all.h"')
    code()
    code("namespace samsa::protocol::samples {")
    code()
    code.open("inline std::span<uint8_t> sample_record_bytes()")
    code("static uint8_t bytes[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};")
    code("return bytes;")
    code.close()
    code()
    for api in apis:
        for message in api.messages:
            names = [st.name for st in message.structs] + [message.name]
            for name in names:
                q = f"{message.name}::{name}" if name != message.name else name
                code(f"inline void fill(std::optional<{q}>&, int16_t, bool);")
                code(f"inline void fill({q}& v, int16_t version, bool nulls);")
            for struct_name, fields in [(st.name, st.fields) for st in message.structs] + [(message.name, message.fields)]:
                q = f"{message.name}::{struct_name}" if struct_name != message.name else struct_name
                code.open(f"inline void fill({q}& v, int16_t version, bool nulls)")
                code("(void)version;")
                code("(void)nulls;")
                for seed, field in enumerate(fields, 1):
                    guard = field.versions.guard(api.versions) or "true"
                    code.open(f"if ({guard})")
                    ref = f"v.{field.name}"
                    if field.ever_nullable:
                        ng = field.nullable.guard(api.versions) or "true"
                        if field.kind == "records":
                            code(f"if (nulls && ({ng})) {{ {ref} = Records::null_records(); }} else")
                        else:
                            code(f"if (nulls && ({ng})) {{ {ref}.reset(); }} else")
                    code.open("")
                    if field.is_array:
                        vec = f"{ref}.emplace()" if field.ever_nullable else ref
                        code(f"auto& vec = {vec};")
                        code("vec.resize(2);")
                        if field.elem in PRIMITIVES:
                            code(f"vec[0] = {sample_value(field, field.elem, seed)};")
                            code(f"vec[1] = {sample_value(field, field.elem, seed + 1)};")
                        else:
                            code("fill(vec[0], version, nulls);")
                            code("fill(vec[1], version, nulls);")
                    elif field.kind == "struct":
                        if field.ever_nullable:
                            code(f"fill({ref}.emplace(), version, nulls);")
                        else:
                            code(f"fill({ref}, version, nulls);")
                    else:
                        code(f"{ref} = {sample_value(field, field.kind, seed)};")
                    code.close()
                    code.close()
                code.close()
                code()
    code("}  // namespace samsa::protocol::samples")
    return code.text()


def write_if_changed(path, text):
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--check", action="store_true", help="validate only, write nothing")
    parser.add_argument("specs", nargs="+")
    args = parser.parse_args(argv)

    apis = []
    try:
        for path in sorted(args.specs):
            api = parse_spec(path)
            validate(api)
            for other in apis:
                if other.key == api.key or other.name == api.name:
                    raise SpecError(f"{path}:1: API {api.key} {api.name} also defined in {other.path}")
            apis.append(api)
    except SpecError as e:
        print(f"kgen: error: {e}", file=sys.stderr)
        return 1
    if args.check:
        return 0

    os.makedirs(args.out, exist_ok=True)
    for api in apis:
        for message in api.messages:
            text = emit_header(api, message, os.path.basename(api.path))
            write_if_changed(os.path.join(args.out, message.header), text)
    write_if_changed(os.path.join(args.out, "api_table.h"), emit_api_table(apis))
    write_if_changed(os.path.join(args.out, "all.h"), emit_all(apis))
    write_if_changed(os.path.join(args.out, "messages.cpp"), emit_messages_cpp(apis))
    write_if_changed(os.path.join(args.out, "samples.h"), emit_samples(apis))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
