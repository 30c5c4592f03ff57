"""Neural-network building blocks on top of xbar's device models."""
