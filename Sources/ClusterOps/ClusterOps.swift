// Module ClusterOps.
