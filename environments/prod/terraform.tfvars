# Prod: alarms go to a real inbox (required). Sizes, retention and the schedule come from lake.yaml.
alert_emails = ["data-alerts@jozi-pizza.example"]
