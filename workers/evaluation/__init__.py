"""Quality evaluations (`make eval`): corpora the repo ships or generates, and their scores."""
