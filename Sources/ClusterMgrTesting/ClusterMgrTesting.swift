// Module ClusterMgrTesting.
