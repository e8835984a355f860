# Dev: cheap and disposable. Sizes, retention and the schedule come from lake.yaml; these are the rest.
alert_emails = []
