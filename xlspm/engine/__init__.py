"""The plan engine: prepare, credit, aggregate, pay; results and the trace."""
