using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace TokenSim.Twin.Tests.Ops;

/// <summary>A PromQL expression from the dashboards or the rules, with where it came from.</summary>
internal sealed record OpsQuery(string Source, string Expr)
{
    /// <summary>An alert's whole expression: it must parse, and is empty while the alert is silent.</summary>
    public bool ParseOnly { get; init; }

    public override string ToString() => $"{Source}: {Expr}";
}

/// <summary>
/// Every PromQL expression the operations files hold: each dashboard panel target and template variable, and each
/// recording and alerting rule. Grafana's variables are replaced as Grafana would for "All" on a 1 s scrape.
/// </summary>
internal static partial class OpsQueries
{
    public static IEnumerable<string> DashboardFiles => Directory.GetFiles(OpsTool.Dashboards, "*.json").Order(StringComparer.Ordinal);

    public static List<OpsQuery> FromDashboards()
    {
        var queries = new List<OpsQuery>();
        foreach (var file in DashboardFiles)
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            string name = Path.GetFileName(file);
            foreach (var panel in Panels(doc.RootElement))
            {
                if (!panel.TryGetProperty("targets", out var targets)) continue;
                foreach (var t in targets.EnumerateArray())
                    queries.Add(new($"{name} panel '{panel.GetProperty("title").GetString()}' target {t.GetProperty("refId").GetString()}", Substitute(t.GetProperty("expr").GetString()!)));
            }
            foreach (var v in doc.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray())
            {
                if (v.GetProperty("type").GetString() != "query") continue;
                var q = v.GetProperty("query");
                string text = q.ValueKind == JsonValueKind.Object ? q.GetProperty("query").GetString()! : q.GetString()!;
                queries.Add(new($"{name} variable '{v.GetProperty("name").GetString()}'", Substitute(LabelValues(text))));
            }
        }
        return queries;
    }

    /// <summary>Panels at the top level and inside collapsed rows.</summary>
    public static IEnumerable<JsonElement> Panels(JsonElement dashboard)
    {
        foreach (var p in dashboard.GetProperty("panels").EnumerateArray())
        {
            yield return p;
            if (p.TryGetProperty("panels", out var inner))
                foreach (var q in inner.EnumerateArray()) yield return q;
        }
    }

    /// <summary>
    /// The rules' expressions: each recording rule's, each alert's as a whole (it must parse), and each operand of an
    /// alert's comparisons and set operations, which must return data although the alert itself is (rightly) silent.
    /// </summary>
    public static List<OpsQuery> FromRules(string rulesFile)
    {
        var queries = new List<OpsQuery>();
        foreach (var rule in Rules(rulesFile))
        {
            string expr = rule.Expr.Trim();
            if (rule.Record is { } record)
            {
                queries.Add(new($"rule {record}", expr));
                continue;
            }
            queries.Add(new($"alert {rule.Alert} (parse only)", expr) { ParseOnly = true });
            foreach (var operand in Operands(expr))
                queries.Add(new($"alert {rule.Alert} operand", operand));
        }
        return queries;
    }

    public sealed record Rule(string? Record, string? Alert, string Expr);

    public static List<Rule> Rules(string rulesFile)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(rulesFile)) yaml.Load(reader);
        var rules = new List<Rule>();
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        foreach (YamlMappingNode group in (YamlSequenceNode)root["groups"])
            foreach (YamlMappingNode rule in (YamlSequenceNode)group["rules"])
            {
                string? Get(string key) => rule.Children.TryGetValue(key, out var n) ? ((YamlScalarNode)n).Value : null;
                rules.Add(new(Get("record"), Get("alert"), Get("expr") ?? throw new InvalidDataException($"{rulesFile}: a rule has no expr.")));
            }
        return rules;
    }

    /// <summary>Grafana's built-in intervals as it sets them for a 1 s scrape, and "All" (.+) for every variable.</summary>
    public static string Substitute(string expr)
    {
        expr = expr.Replace("$__rate_interval", "1m").Replace("${__rate_interval}", "1m")
            .Replace("$__interval", "5s").Replace("${__interval}", "5s").Replace("$__range", "2m").Replace("${__range}", "2m");
        return Variable().Replace(expr, ".+");
    }

    /// <summary>Grafana's <c>label_values(metric, label)</c> as the PromQL that has those values.</summary>
    public static string LabelValues(string query)
    {
        var m = LabelValuesCall().Match(query.Trim());
        if (!m.Success) return query;
        return m.Groups["metric"].Success
            ? $"count by ({m.Groups["label"].Value}) ({m.Groups["metric"].Value})"
            : $"count by ({m.Groups["label"].Value}) ({{{m.Groups["label"].Value}!=\"\"}})";
    }

    /// <summary>
    /// The operands of the comparisons and set operations (and, or, unless) at the top level of an expression,
    /// number literals left out; an expression with neither is its own only operand.
    /// </summary>
    public static List<string> Operands(string expr)
    {
        var operands = new List<string>();
        foreach (var part in SplitTopLevel(expr, SetOperator()))
        {
            var side = SetModifier().Replace(part, "");
            foreach (var operand in SplitTopLevel(side, Comparison()))
            {
                var o = BoolModifier().Replace(operand, "").Trim();
                if (o.Length > 0 && !double.TryParse(o, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _))
                    operands.Add(o);
            }
        }
        return operands;
    }

    /// <summary>Splits at matches of <paramref name="op"/> outside brackets and string literals.</summary>
    public static List<string> SplitTopLevel(string expr, Regex op)
    {
        var parts = new List<string>();
        int depth = 0, start = 0;
        char quote = '\0';
        for (int i = 0; i < expr.Length; i++)
        {
            char c = expr[i];
            if (quote != '\0')
            {
                if (c == '\\') i++;
                else if (c == quote) quote = '\0';
                continue;
            }
            if (c is '"' or '\'' or '`') quote = c;
            else if (c is '(' or '[' or '{') depth++;
            else if (c is ')' or ']' or '}') depth--;
            else if (depth == 0 && op.Match(expr, i) is { Success: true } m && m.Index == i)
            {
                parts.Add(expr[start..i]);
                start = i + m.Length;
                i = start - 1;
            }
        }
        parts.Add(expr[start..]);
        return parts;
    }

    [GeneratedRegex(@"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?")]
    private static partial Regex Variable();
    [GeneratedRegex(@"^label_values\(\s*(?:(?<metric>[^,]+?)\s*,\s*)?(?<label>[A-Za-z_][A-Za-z0-9_]*)\s*\)$")]
    private static partial Regex LabelValuesCall();
    [GeneratedRegex(@"(?<![A-Za-z0-9_:])(and|or|unless)(?![A-Za-z0-9_:])")]
    private static partial Regex SetOperator();
    [GeneratedRegex(@"^\s*(on|ignoring)\s*\([^)]*\)\s*((group_left|group_right)\s*(\([^)]*\))?)?")]
    private static partial Regex SetModifier();
    [GeneratedRegex(@"==|!=|>=|<=|>|<")]
    private static partial Regex Comparison();
    [GeneratedRegex(@"^\s*bool\b")]
    private static partial Regex BoolModifier();
}
