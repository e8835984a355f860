# Dev: cheap and disposable. Sizes, retention and the schedule come from lake.yaml; these are the rest.
source_base_url = "https://api.jozi-pizza.example/store"
alert_emails    = []
