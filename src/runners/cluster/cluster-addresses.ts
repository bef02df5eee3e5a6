/**
 * Clusters running in this process, by address, so `new ClusterTaskRunner({ address })` can use
 * a local cluster started elsewhere in the program. (`redis://` addresses name a Redis cluster.)
 */
import type { Cluster } from './cluster.js';

const clusters = new Map<string, Cluster>();

/** Makes a cluster findable by its address. @internal */
export function registerCluster(cluster: Cluster): void {
  clusters.set(cluster.address, cluster);
}

/** Forgets a closed cluster. @internal */
export function unregisterCluster(cluster: Cluster): void {
  if (clusters.get(cluster.address) === cluster) clusters.delete(cluster.address);
}

/** The running cluster at `address` in this process, if any. @internal */
export function clusterAt(address: string): Cluster | undefined {
  return clusters.get(address);
}
