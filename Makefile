# The README's two commands: `make run` and `make test`.
PYTHON ?= python3

.PHONY: setup run test
setup:
	$(PYTHON) scripts/dev.py setup
run:
	$(PYTHON) scripts/dev.py run
test:
	$(PYTHON) scripts/dev.py test $(ARGS)
