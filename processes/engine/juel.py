"""Camunda JUEL conditions (`${amount > 1000 && approved}`) translated to our restricted Python
expression language when a diagram is parsed, so a Camunda Modeler diagram deploys unchanged.

A small tokenizer and recursive-descent parser, not text replacement: anything outside the subset
below is refused with a reason (never passed through), and the output is fully parenthesised so
JUEL's precedence survives.

The subset and what it becomes:

  `${a}` → `a` · `true false null` → `True False None` · `'x'`, `"x"` → a Python string
  `!a`, `not a` → `(not a)` · `-a` → `(-a)` · `empty a` → `(a in (None, '', [], {}))`
  `&&`/`and`, `||`/`or` · `==`/`eq`, `!=`/`ne`, `<`/`lt`, `>`/`gt`, `<=`/`le`, `>=`/`ge`
  `+ - * /` · `div` → `/` · `%`/`mod` → `%` · parentheses
  `applicant.age` → `applicant["age"]`, `a[0]`, `a['k']` → item access: process variables are
  JSON objects, so a property is a key; a missing key is an error (an incident), not JUEL's null.

Refused: `#{}` deferred expressions, text around or between `${}`, method and function calls
(`a.size()`, `fn:len(a)`), `?:`, lambdas, assignment, `;`, collection literals, `instanceof`,
Camunda's `execution` object, names Python reserves or our evaluator forbids, and names of the
evaluator's builtins and helpers (`${date}`, `${len}` would be a function, always true). Names and
numbers are ASCII only: Python folds `𝐚𝐩𝐩𝐫𝐨𝐯𝐞𝐝` into `approved` and reads `٣` as 3, so a condition
could test another variable than the one it shows.

Camunda attributes (`camunda:assignee="${initiator}"`, dueDate, followUpDate, priority) go through
`translate_attribute`: JUEL first; a body JUEL cannot parse is kept as it was before translation
existed, restricted Python (`${len(reviewers) > 2 and 90 or 10}`), if the evaluator accepts it,
its names are ASCII and it uses a builtin only by calling it. Anything else is refused.

Not emulated: JUEL's type coercion (`"5" > 3`, `"a" + "b"`): values are compared as they are, so a
string compared with a number fails at run time and opens an incident.
"""

import ast
import io
import keyword
import tokenize
from collections.abc import Callable
from dataclasses import dataclass

from . import sandbox
from .expressions import FORBIDDEN_NAMES, ExpressionError, check

MAX_DEPTH = 40

_KEYWORDS = {"and", "or", "not", "eq", "ne", "lt", "gt", "le", "ge", "empty", "div", "mod", "instanceof"}
_LITERALS = {"true": "True", "false": "False", "null": "None"}
_OR, _AND = {"||", "or"}, {"&&", "and"}
_EQUALITY = {"==": "==", "eq": "==", "!=": "!=", "ne": "!="}
_RELATIONAL = {"<": "<", "lt": "<", ">": ">", "gt": ">", "<=": "<=", "le": "<=", ">=": ">=", "ge": ">="}
_ADDITIVE = {"+": "+", "-": "-"}
_MULTIPLICATIVE = {"*": "*", "/": "/", "div": "/", "%": "%", "mod": "%"}
# Longest first: the tokenizer takes the first that matches.
_SYMBOLS = (
    *("&&", "||", "==", "!=", "<=", ">=", "->", "+=", "!", "<", ">", "+", "-", "*", "/", "%"),
    *("(", ")", ".", "[", "]", "?", ":", "=", ";", ",", "{", "}", "$", "#"),
)
# Camunda objects that do not exist here (a condition using them could only fail at run time).
_UNAVAILABLE = {"execution", "authenticatedUserId"}
# The evaluator's own names: as a JUEL value each is a function or a class, never a process variable.
SANDBOX_NAMES = frozenset({*sandbox.sandbox_builtins(sandbox.Clock(1.0)), *sandbox.HELPERS, "working_days_later"}) - {
    "True",
    "False",
    "None",
}
_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_ASCII_DIGITS = frozenset("0123456789")


class JuelError(ValueError):
    """A JUEL expression outside the subset we translate; `zh` and `en` say why, `str()` gives both."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


@dataclass(frozen=True)
class _Token:
    kind: str  # "num", "str", "name", "op", "end"
    text: str
    at: int
    value: str = ""  # the decoded string of a "str" token


def is_juel(source: str) -> bool:
    """Whether `source` is written as a JUEL expression (Python never starts with `$` or `#{`)."""
    text = source.strip()
    return text.startswith("${") or text.startswith("#{")


def has_expression(value: str) -> bool:
    """Whether an attribute value holds an expression anywhere (`user_${id}` too, which is refused)."""
    return "${" in value or "#{" in value


def translate(source: str) -> str:
    """`${…}` → an equivalent expression for our evaluator; JuelError if it cannot be done safely."""
    return _Parser(_tokenize(_body(source))).parse()


def translate_attribute(source: str) -> str:
    """A Camunda attribute's `${…}` → an expression for our evaluator: JUEL, or the restricted Python
    such attributes held before translation existed; JuelError (both reasons) if it is neither."""
    body = _body(source)
    try:
        return _Parser(_tokenize(body)).parse()
    except JuelError as juel_refusal:
        try:
            return _restricted_python(body)
        except JuelError as python_refusal:
            raise JuelError(
                f"{juel_refusal.zh}；也不是可用的 Python 表达式：{python_refusal.zh}",
                f"{juel_refusal.en}; nor a usable Python expression: {python_refusal.en}",
            ) from None


def _body(source: str) -> str:
    text = source.strip()
    if text.startswith("#{"):
        raise JuelError("不支持 #{...} 延迟求值表达式", "deferred #{...} expressions are not supported")
    if not (text.startswith("${") and text.endswith("}")):
        raise JuelError("只支持一个完整的 ${...} 表达式", "only a single ${...} expression is supported")
    body = text[2:-1]
    if not body.strip():
        raise JuelError("表达式为空", "the expression is empty")
    return body


def _restricted_python(body: str) -> str:
    """`body` if it is an expression our evaluator accepts that means what it shows."""
    try:
        names = [t.string for t in tokenize.generate_tokens(io.StringIO(body).readline) if t.type == tokenize.NAME]
        check(body)
    except (tokenize.TokenError, SyntaxError, ExpressionError) as exc:
        raise JuelError(f"不可用（{exc}）", f"{exc}") from None
    foreign = next((name for name in names if not name.isascii()), None)
    if foreign:
        raise JuelError(f"变量名 '{foreign}' 只能使用 ASCII 字符", f"the name '{foreign}' must be ASCII")
    tree = ast.parse(body.strip(), mode="eval")
    used = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    used |= {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in SANDBOX_NAMES and id(node) not in used:
            raise JuelError(
                f"'{node.id}' 是内置函数，不是流程变量", f"'{node.id}' is a builtin, not a process variable"
            )
    return body.strip()


def _refuse(zh: str, en: str, at: int | None = None) -> JuelError:
    if at is None:
        return JuelError(zh, en)
    return JuelError(f"{zh}（位置 {at + 3}）", f"{en} (at {at + 3})")  # + "${" and 1-based, as a designer counts


def _tokenize(body: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(body):
        char = body[i]
        if char.isspace():
            i += 1
        elif char in "'\"":
            i = _read_string(body, i, tokens)
        elif char in _ASCII_DIGITS or (char == "." and body[i + 1 : i + 2] in _ASCII_DIGITS):
            i = _read_number(body, i, tokens)
        elif char in _ASCII_LETTERS:
            start = i
            while i < len(body) and (body[i] in _ASCII_LETTERS or body[i] in _ASCII_DIGITS):
                i += 1
            tokens.append(_Token("name", body[start:i], start))
        elif not char.isascii():
            raise _refuse(
                f"变量名和数字只能使用 ASCII 字符，'{char}' 不行",
                f"names and numbers must be ASCII, not '{char}'",
                i,
            )
        else:
            symbol = next((s for s in _SYMBOLS if body.startswith(s, i)), None)
            if symbol is None:
                raise _refuse(f"无法识别的字符 '{char}'", f"unexpected character '{char}'", i)
            if symbol in ("}", "$", "#"):
                raise _refuse("只支持一个完整的 ${...} 表达式", "only a single ${...} expression is supported", i)
            tokens.append(_Token("op", symbol, i))
            i += len(symbol)
    tokens.append(_Token("end", "", len(body)))
    return tokens


def _read_string(body: str, start: int, tokens: list[_Token]) -> int:
    quote, i, chars = body[start], start + 1, []
    while i < len(body):
        char = body[i]
        if char == "\\" and body[i + 1 : i + 2] in (quote, "\\"):
            chars.append(body[i + 1])
            i += 2
        elif char == quote:
            tokens.append(_Token("str", body[start : i + 1], start, "".join(chars)))
            return i + 1
        else:
            chars.append(char)
            i += 1
    raise _refuse("字符串没有结束引号", "unterminated string", start)


def _read_number(body: str, start: int, tokens: list[_Token]) -> int:
    i = start
    while i < len(body) and (body[i] in _ASCII_DIGITS or body[i] == "."):
        i += 1
    if i < len(body) and body[i] in "eE":
        i += 1
        if i < len(body) and body[i] in "+-":
            i += 1
        while i < len(body) and body[i] in _ASCII_DIGITS:
            i += 1
    text = body[start:i]
    try:
        number = repr(float(text)) if any(c in text for c in ".eE") else str(int(text))
    except ValueError:
        raise _refuse(f"数字格式错误 '{text}'", f"malformed number '{text}'", start) from None
    if number in ("inf", "nan"):
        raise _refuse(f"数字超出范围 '{text}'", f"number out of range '{text}'", start)
    if i < len(body) and (body[i] in _ASCII_LETTERS or not body[i].isascii()):
        raise _refuse(f"数字格式错误 '{text}{body[i]}'", f"malformed number '{text}{body[i]}'", start)
    tokens.append(_Token("num", number, start))
    return i


class _Parser:
    """JUEL's grammar from `or` down to values; every rule returns Python source."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.depth = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.pos]

    def _take(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def _is(self, *texts: str) -> bool:
        return self.token.kind in ("op", "name") and self.token.text in texts

    def parse(self) -> str:
        result = self._or()
        if self.token.kind != "end":
            self._unexpected()
        return result

    def _binary(self, operand: Callable[[], str], operators: dict[str, str]) -> str:
        left = operand()
        while self._is(*operators):
            op = operators[self._take().text]
            left = f"({left} {op} {operand()})"
        return left

    def _or(self) -> str:
        return self._binary(self._and, dict.fromkeys(_OR, "or"))

    def _and(self) -> str:
        return self._binary(self._equality, dict.fromkeys(_AND, "and"))

    def _equality(self) -> str:
        return self._binary(self._relational, _EQUALITY)

    def _relational(self) -> str:
        return self._binary(self._additive, _RELATIONAL)

    def _additive(self) -> str:
        return self._binary(self._multiplicative, _ADDITIVE)

    def _multiplicative(self) -> str:
        return self._binary(self._unary, _MULTIPLICATIVE)

    def _unary(self) -> str:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _refuse("表达式嵌套过深", "the expression is nested too deeply", self.token.at)
        try:
            if self._is("!", "not"):
                self._take()
                return f"(not {self._unary()})"
            if self._is("-"):
                self._take()
                return f"(-{self._unary()})"
            if self._is("empty"):
                self._take()
                return f"({self._unary()} in (None, '', [], {{}}))"
            return self._value()
        finally:
            self.depth -= 1

    def _value(self) -> str:
        result = self._primary()
        while True:
            if self._is("."):
                self._take()
                name = self._take()
                if name.kind != "name":
                    raise _refuse("'.' 后应为属性名", "a property name must follow '.'", name.at)
                result = f"{result}[{name.text!r}]"
            elif self._is("["):
                self._take()
                index = self._or()
                self._expect("]")
                result = f"{result}[{index}]"
            elif self._is("("):
                raise _refuse("不支持方法或函数调用", "method and function calls are not supported", self.token.at)
            else:
                return result

    def _primary(self) -> str:
        token = self._take()
        if token.kind == "num":
            return token.text
        if token.kind == "str":
            return repr(token.value)
        if token.kind == "name":
            return self._name(token)
        if token.text == "(":
            inner = self._or()
            self._expect(")")
            return f"({inner})"
        self.pos -= 1
        return self._unexpected()

    def _name(self, token: _Token) -> str:
        name = token.text
        if name in _LITERALS:
            return _LITERALS[name]
        if name in _KEYWORDS:
            self.pos -= 1
            return self._unexpected()
        if self._is(":") or self._is("("):
            raise _refuse("不支持方法或函数调用", "method and function calls are not supported", token.at)
        if name in _UNAVAILABLE:
            raise _refuse(
                f"Camunda 的 {name} 对象在此不可用，请直接使用流程变量",
                f"Camunda's {name} object is not available here; use the process variable",
                token.at,
            )
        if name.startswith("_") or keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in FORBIDDEN_NAMES:
            raise _refuse(f"变量名 '{name}' 不可用", f"the variable name '{name}' is not allowed", token.at)
        if name in SANDBOX_NAMES:
            raise _refuse(
                f"'{name}' 是表达式的内置函数，不能作变量名",
                f"'{name}' is a builtin of the evaluator, not a process variable",
                token.at,
            )
        return name

    def _expect(self, text: str) -> None:
        if not self._is(text):
            self._unexpected(expected=text)
        self._take()

    def _unexpected(self, expected: str = "") -> str:
        token = self.token
        special = {
            "?": ("不支持条件运算符 ?:", "the conditional operator ?: is not supported"),
            "->": ("不支持 lambda 表达式", "lambda expressions are not supported"),
            "=": ("不支持赋值", "assignment is not supported"),
            "+=": ("不支持字符串拼接赋值 +=", "the += operator is not supported"),
            ";": ("不支持多个表达式 (;)", "';' is not supported"),
            "{": ("不支持集合字面量", "collection literals are not supported"),
            "instanceof": ("不支持 instanceof", "instanceof is not supported"),
        }
        if token.text in special and token.kind in ("op", "name"):
            raise _refuse(*special[token.text], token.at)
        if token.kind == "op" and token.text == "[":
            raise _refuse(*special["{"], token.at)
        if token.kind == "end":
            raise _refuse("表达式不完整", "the expression is incomplete", token.at)
        found = f"'{token.text}'"
        wanted = f"，应为 '{expected}'" if expected else ""
        wanted_en = f", expected '{expected}'" if expected else ""
        raise _refuse(f"语法错误：意外的 {found}{wanted}", f"syntax error: unexpected {found}{wanted_en}", token.at)
