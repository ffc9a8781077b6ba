"""The plan engine on Dask: transactions in partitions."""
