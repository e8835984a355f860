# Prod: alarms go to a real inbox (required). Sizes, retention and the schedule come from lake.yaml.
source_base_url = "https://api.jozi-pizza.example/store"
alert_emails    = ["data-alerts@jozi-pizza.example"]
