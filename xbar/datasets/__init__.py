"""Loaders of the public data sets xbar's examples and reproductions use.

xbar ships no data: every loader takes a path (or finds the files through an environment
variable) and raises :class:`xbar.errors.DataError` saying where to get the data when they are
missing.
"""
