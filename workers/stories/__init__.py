"""Stories: articles about one event, across outlets and languages, grouped online from
language-independent evidence (`evidence`), through an inverted index over the open
window (`assign`); `stage` gives each outcome of the decide step its story. Pure: may
import the core and the pipeline."""
