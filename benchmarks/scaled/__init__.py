"""The scaled-up data set of the load benchmark, one module per area it fills;
`benchmarks/scaled_data.py` runs them in order."""
