"""docs/python.md's notebook-style example runs as written against the server (TOKENSIM_SERVER)."""

import os
import re
import uuid

DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "docs", "python.md")


def test_the_docs_example_plans_from_the_live_window(server, capsys):
    text = open(DOC, encoding="utf-8").read()
    example = text[text.index("## Example"):]
    example = example[:example.index("\n## ", 1)]
    cells = re.findall(r"```python\n(.*?)```", example, re.S)
    assert len(cells) == 5
    name = f"chat-{uuid.uuid4().hex[:8]}"   # the example's "chat-prod", unique per run
    code = "\n".join(cells).replace('"127.0.0.1:7100"', repr(server)).replace('"chat-prod"', repr(name))
    ns = {}
    exec(compile(code, "docs/python.md", "exec"), ns)
    out = capsys.readouterr().out
    assert ns["ack"].applied == 3600 and ns["ack"].attempts == 4
    assert [round(s.ahead_s) for s in ns["fc"].step_totals] == [20, 40, 60]
    plan = ns["plan"]
    assert plan.found and plan.best.meets_slo and plan.traffic_requests > 500
    assert f"deployment '{name}'" in plan.traffic_description
    assert ns["what_if"].summary["requests"] == 2000
    assert "best: " in out
