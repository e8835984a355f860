# Placeholder until the Terraform targets land (owned by the Terraform work).
.PHONY: tf-check
tf-check:
	@true
