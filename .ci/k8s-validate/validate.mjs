// Reads `helm template` output (YAML documents) on stdin and validates each object against its Kubernetes schema
// (kubernetes-models; prometheus-operator's for ServiceMonitor). Prints one line per object, "ok" or "invalid" with
// the schema's errors, and exits 1 when any object is invalid or of a kind it has no schema for.
import { parseAllDocuments } from "yaml";

const groups = {
  "v1": "kubernetes-models/v1",
  "apps/v1": "kubernetes-models/apps/v1",
  "policy/v1": "kubernetes-models/policy/v1",
  "rbac.authorization.k8s.io/v1": "kubernetes-models/rbac.authorization.k8s.io/v1",
  "autoscaling/v2": "kubernetes-models/autoscaling/v2",
  "networking.k8s.io/v1": "kubernetes-models/networking.k8s.io/v1",
  "monitoring.coreos.com/v1": "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1",
};

let input = "";
for await (const chunk of process.stdin) input += chunk;
let failed = 0, count = 0;
for (const doc of parseAllDocuments(input)) {
  if (doc.errors.length > 0) {
    console.log(`invalid YAML: ${doc.errors.map(e => e.message).join("; ")}`);
    failed++;
    continue;
  }
  const obj = doc.toJS();
  if (obj == null) continue;
  count++;
  const name = `${obj.kind}/${obj.metadata?.name}`;
  const base = groups[obj.apiVersion];
  if (!base) {
    console.log(`invalid ${name}: no schema for apiVersion ${obj.apiVersion}`);
    failed++;
    continue;
  }
  let Model;
  try {
    Model = (await import(`${base}/${obj.kind}`))[obj.kind];
  } catch (e) {
    console.log(`invalid ${name}: no schema for ${obj.apiVersion} ${obj.kind}`);
    failed++;
    continue;
  }
  try {
    new Model(obj).validate();
    console.log(`ok ${name}`);
  } catch (e) {
    console.log(`invalid ${name}: ${e.message}`);
    failed++;
  }
}
console.log(`${count} objects, ${failed} invalid`);
process.exit(failed > 0 || count === 0 ? 1 : 0);
