# The lake report: one self-contained HTML file of charts (lake report), and its screenshot.
#   make report                  # the local lake's report (after make demo), path printed last
#   make report ENV=dev UPLOAD=1 # from Athena, also put under the lake's reports/ prefix
#   make screenshot              # docs/images/report.png from a real `make demo` lake
.PHONY: report screenshot
UPLOAD ?=
SCREENSHOT ?= docs/images/report.png
SCREENSHOT_HTML := build/report/lake-report.html

report: $(STAMP) ## Write the lake report (HTML charts of every named query, quality, runs); ENV=dev UPLOAD=1 uploads
	$(LAKE) report --env $(ENV) $(if $(UPLOAD),--upload,)

screenshot: demo ## Regenerate docs/images/report.png: make demo, lake report, headless Chromium (installed if missing)
	@scripts/ensure-chromium.sh
	$(LAKE) report --out $(SCREENSHOT_HTML)
	$(BIN)/python -m jozi_lake.report.browser $(SCREENSHOT_HTML) $(SCREENSHOT)
