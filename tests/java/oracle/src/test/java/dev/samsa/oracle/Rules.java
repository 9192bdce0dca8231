package dev.samsa.oracle;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The differences the oracle accepts: legitimate-differences.txt (by design) and
 * known-findings.txt (samsa bugs not fixed yet, printed loudly). One rule a line:
 *
 * <pre>
 * API  VERSIONS  PATH  CONDITION  | reason
 * </pre>
 *
 * API is the protocol name (Metadata, ...) or *, optionally with a #tag: then the rule only
 * applies to scenarios whose label contains that #tag; VERSIONS is *, N or N-M; PATH is a
 * slash-separated pattern over the JSON path, where * is one segment (a field or an array
 * element) and ** any number of them; CONDITION is "any", or "both-set" (only when both
 * brokers have a non-null value, e.g. free-text error messages). # starts a comment.
 */
final class Rules {
  record Rule(String api, int minVersion, int maxVersion, String[] path, boolean bothSet,
      String reason, String line) {
    boolean matches(String apiName, String scenario, int version, List<String> actualPath,
        boolean samsaSet, boolean kafkaSet) {
      int hash = api.indexOf('#');
      String name = hash < 0 ? api : api.substring(0, hash);
      if (!name.equals("*") && !name.equalsIgnoreCase(apiName)) return false;
      if (hash >= 0 && !scenario.contains(api.substring(hash))) return false;
      if (version < minVersion || version > maxVersion) return false;
      if (bothSet && !(samsaSet && kafkaSet)) return false;
      return glob(path, 0, actualPath, 0);
    }
  }

  final List<Rule> rules;

  private Rules(List<Rule> rules) {
    this.rules = rules;
  }

  static Rules load(String resource) {
    List<Rule> out = new ArrayList<>();
    try (InputStream in = Rules.class.getResourceAsStream("/" + resource)) {
      if (in == null) throw new IllegalStateException("missing resource " + resource);
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      String line;
      while ((line = r.readLine()) != null) {
        String t = line.strip();
        if (t.isEmpty() || t.startsWith("#")) continue;
        int bar = t.indexOf('|');
        if (bar < 0) throw new IllegalStateException(resource + ": no '| reason' in: " + line);
        String[] cols = t.substring(0, bar).trim().split("\\s+");
        if (cols.length != 4) throw new IllegalStateException(resource + ": 4 columns expected: " + line);
        int min = 0, max = Integer.MAX_VALUE;
        if (!cols[1].equals("*")) {
          String[] mm = cols[1].split("-");
          min = Integer.parseInt(mm[0]);
          max = mm.length > 1 ? Integer.parseInt(mm[1]) : min;
        }
        if (!cols[3].equals("any") && !cols[3].equals("both-set")) {
          throw new IllegalStateException(resource + ": condition any|both-set: " + line);
        }
        String p = cols[2].startsWith("/") ? cols[2].substring(1) : cols[2];
        out.add(new Rule(cols[0], min, max, p.split("/"), cols[3].equals("both-set"),
            t.substring(bar + 1).trim(), t));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Rules(out);
  }

  Rule find(String api, String scenario, int version, List<String> path, boolean samsaSet,
      boolean kafkaSet) {
    for (Rule r : rules) {
      if (r.matches(api, scenario, version, path, samsaSet, kafkaSet)) return r;
    }
    return null;
  }

  private static boolean glob(String[] pat, int i, List<String> path, int j) {
    if (i == pat.length) return j == path.size();
    if (pat[i].equals("**")) {
      for (int k = j; k <= path.size(); k++) {
        if (glob(pat, i + 1, path, k)) return true;
      }
      return false;
    }
    if (j == path.size()) return false;
    String seg = path.get(j);
    boolean ok = pat[i].equals("*") || pat[i].equalsIgnoreCase(seg)
        || (seg.startsWith("[") && pat[i].equals("[]"));
    return ok && glob(pat, i + 1, path, j + 1);
  }
}
