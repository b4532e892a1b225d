"""Reports for people: the firm's own check-up report (专属企检报告, HTML and PDF) and the
regional overview (HTML), rendered offline from the published snapshot.

python -m reports firm USCC [--month 2026-09]
python -m reports bulk --file firms.csv [--month 2026-09]
python -m reports overview [--month 2026-09]
"""
