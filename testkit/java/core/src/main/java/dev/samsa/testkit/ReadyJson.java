package dev.samsa.testkit;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the ready line of {@code samsa serve --print-ready}: one JSON object of strings,
 * numbers, booleans, null and (for "listeners") a nested object. A small strict parser, so
 * that the library needs no JSON dependency: objects become {@code Map<String, Object>} (in
 * their order), arrays {@code List<Object>}, numbers {@code Long} (or {@code Double} with a
 * fraction or exponent), true/false {@code Boolean}, null {@code null}.
 */
final class ReadyJson {
  private final String text;
  private int at;

  private ReadyJson(String text) {
    this.text = text;
  }

  /** The object in the text; throws IllegalArgumentException on anything else. */
  static Map<String, Object> parseObject(String text) {
    ReadyJson p = new ReadyJson(text);
    p.skipSpace();
    if (p.peek() != '{') throw p.error("expected an object");
    Object value = p.value();
    p.skipSpace();
    if (p.at != text.length()) throw p.error("text after the object");
    @SuppressWarnings("unchecked")
    Map<String, Object> map = (Map<String, Object>) value;
    return map;
  }

  private Object value() {
    skipSpace();
    char c = peek();
    switch (c) {
      case '{':
        return object();
      case '[':
        return array();
      case '"':
        return string();
      case 't':
        return literal("true", Boolean.TRUE);
      case 'f':
        return literal("false", Boolean.FALSE);
      case 'n':
        return literal("null", null);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return number();
        throw error("unexpected character");
    }
  }

  private Map<String, Object> object() {
    expect('{');
    Map<String, Object> out = new LinkedHashMap<>();
    skipSpace();
    if (peek() == '}') {
      at++;
      return Collections.unmodifiableMap(out);
    }
    while (true) {
      skipSpace();
      if (peek() != '"') throw error("expected a member name");
      String key = string();
      skipSpace();
      expect(':');
      out.put(key, value());
      skipSpace();
      char c = next();
      if (c == '}') return Collections.unmodifiableMap(out);
      if (c != ',') throw error("expected , or }");
    }
  }

  private List<Object> array() {
    expect('[');
    List<Object> out = new ArrayList<>();
    skipSpace();
    if (peek() == ']') {
      at++;
      return Collections.unmodifiableList(out);
    }
    while (true) {
      out.add(value());
      skipSpace();
      char c = next();
      if (c == ']') return Collections.unmodifiableList(out);
      if (c != ',') throw error("expected , or ]");
    }
  }

  private String string() {
    expect('"');
    StringBuilder sb = new StringBuilder();
    while (true) {
      char c = next();
      if (c == '"') return sb.toString();
      if (c < 0x20) throw error("control character in a string");
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      char e = next();
      switch (e) {
        case '"': sb.append('"'); break;
        case '\\': sb.append('\\'); break;
        case '/': sb.append('/'); break;
        case 'b': sb.append('\b'); break;
        case 'f': sb.append('\f'); break;
        case 'n': sb.append('\n'); break;
        case 'r': sb.append('\r'); break;
        case 't': sb.append('\t'); break;
        case 'u':
          if (at + 4 > text.length()) throw error("short \\u escape");
          try {
            sb.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
          } catch (NumberFormatException ex) {
            throw error("bad \\u escape");
          }
          at += 4;
          break;
        default:
          throw error("bad escape \\" + e);
      }
    }
  }

  private Object number() {
    int start = at;
    if (peek() == '-') at++;
    boolean fraction = false;
    while (at < text.length()) {
      char c = text.charAt(at);
      if (c >= '0' && c <= '9') {
        at++;
      } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
        fraction = true;
        at++;
      } else {
        break;
      }
    }
    String digits = text.substring(start, at);
    try {
      return fraction ? (Object) Double.parseDouble(digits) : (Object) Long.parseLong(digits);
    } catch (NumberFormatException e) {
      at = start;
      throw error("bad number " + digits);
    }
  }

  private Object literal(String word, Object value) {
    if (!text.startsWith(word, at)) throw error("expected " + word);
    at += word.length();
    return value;
  }

  private void expect(char c) {
    if (next() != c) {
      at--;
      throw error("expected " + c);
    }
  }

  private char peek() {
    if (at >= text.length()) throw error("unexpected end");
    return text.charAt(at);
  }

  private char next() {
    char c = peek();
    at++;
    return c;
  }

  private void skipSpace() {
    while (at < text.length() && Character.isWhitespace(text.charAt(at))) at++;
  }

  private IllegalArgumentException error(String what) {
    return new IllegalArgumentException(what + " at offset " + at + " of the ready line: " + text);
  }
}
