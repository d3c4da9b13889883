"""The compiled engine (issue 22): OpenSim's right-hand side rebuilt from the model's data.

model_data (the model as plain data), reader (OpenSim -> model data, declining what is not
supported), simm_spline (OpenSim's spline coefficients).
"""
