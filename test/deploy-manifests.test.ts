/**
 * The Dockerfile and the Kubernetes manifests cannot be run here (no Docker engine, no cluster), so this
 * checks what can be checked without them: every manifest parses, the ConfigMap's configuration passes the
 * service's own validation, ports, labels, probes, secrets and mounts refer to each other and to the real
 * service (the probe paths are asked of the real HTTP API), and the resources cover the measured per-channel
 * cost at the annotated channels per pod.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { builtInBenchCosts } from '../src/capacity/bench-costs.js';
import { parseServiceConfig, serviceConfigSchema, type ServiceConfig } from '../src/config/service-config.js';
import { startTestServer, type TestServer } from '../src/test-support/api-test-support.js';

const root = join(import.meta.dirname, '..');
const kubernetesDirectory = join(root, 'deploy', 'kubernetes');

// The manifests are plain data: these describe only the fields the checks read.
interface Probe {
  readonly httpGet: { readonly path: string; readonly port: string | number };
}
interface Container {
  readonly name: string;
  readonly image: string;
  readonly args: readonly string[];
  readonly ports: readonly { readonly name: string; readonly containerPort: number }[];
  readonly env: readonly {
    readonly name: string;
    readonly valueFrom?: { readonly secretKeyRef?: { readonly name: string; readonly key: string } };
  }[];
  readonly resources: {
    readonly requests: { readonly cpu: string; readonly memory: string };
    readonly limits: { readonly memory: string; readonly cpu?: string };
  };
  readonly livenessProbe: Probe;
  readonly readinessProbe: Probe;
  readonly startupProbe?: Probe;
  readonly volumeMounts: readonly {
    readonly name: string;
    readonly mountPath: string;
    readonly readOnly?: boolean;
  }[];
  readonly securityContext: {
    readonly readOnlyRootFilesystem?: boolean;
    readonly allowPrivilegeEscalation?: boolean;
  };
}
interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  readonly data?: Record<string, string>;
  readonly stringData?: Record<string, string>;
  readonly spec?: {
    readonly selector?: { readonly matchLabels?: Record<string, string> } & Record<string, string>;
    readonly ports?: readonly {
      readonly name: string;
      readonly port: number;
      readonly targetPort: string | number;
    }[];
    readonly template?: {
      readonly metadata: { readonly labels: Record<string, string> };
      readonly spec: {
        readonly securityContext: { readonly runAsNonRoot?: boolean; readonly runAsUser?: number };
        readonly containers: readonly Container[];
        readonly volumes: readonly {
          readonly name: string;
          readonly configMap?: { readonly name: string };
          readonly emptyDir?: object;
        }[];
      };
    };
  };
}

function readManifests(file: string): Manifest[] {
  const documents = parseAllDocuments(readFileSync(join(kubernetesDirectory, file), 'utf8'));
  if (!Array.isArray(documents)) throw new Error(`${file}: not a YAML stream`);
  return documents.map((document, index) => {
    assert.deepEqual(document.errors, [], `${file} document ${index} parses`);
    return document.toJS() as Manifest;
  });
}

const yamlFiles = readdirSync(kubernetesDirectory).filter((file) => file.endsWith('.yaml'));
const manifests = new Map(yamlFiles.map((file) => [file, readManifests(file)]));
const all = [...manifests.entries()]
  .filter(([file]) => file !== 'kustomization.yaml')
  .flatMap(([, list]) => list);

function only(kind: string, name: string): Manifest {
  const found = all.filter((manifest) => manifest.kind === kind && manifest.metadata.name === name);
  assert.equal(found.length, 1, `one ${kind} ${name}`);
  return found[0] as Manifest;
}

const worker = only('Deployment', 'streamqc-worker');
const workerSpec = worker.spec?.template?.spec;
const container = workerSpec?.containers.find((c) => c.name === 'streamqc') as Container;
const configMap = only('ConfigMap', 'streamqc-config');

/** Keys that other branches add to the config schema (PostgreSQL store, leases): checked once merged. */
const keysFromOtherBranches = ['cluster', 'storage.kind', 'storage.postgres'];

/** The ConfigMap's config through the service's validation, minus keys this build does not know yet. */
function validatedConfig(t: TestContext, raw: Record<string, unknown>): ServiceConfig {
  const parsed = serviceConfigSchema.safeParse(raw);
  const stripped = structuredClone(raw);
  const notYetKnown: string[] = [];
  for (const issue of parsed.success ? [] : parsed.error.issues) {
    assert.equal(issue.code, 'unrecognized_keys', `configmap: ${issue.path.join('.')}: ${issue.message}`);
    for (const key of issue.keys) {
      const path = [...issue.path.map(String), key].join('.');
      assert.ok(keysFromOtherBranches.includes(path), `configmap: unknown key ${path}`);
      let parent = stripped as Record<string, unknown>;
      for (const part of issue.path) parent = parent[String(part)] as Record<string, unknown>;
      delete parent[key];
      notYetKnown.push(path);
    }
  }
  if (notYetKnown.length > 0)
    t.diagnostic(`not in this build's config schema yet: ${notYetKnown.join(', ')}`);
  return parseServiceConfig(stripped, 'configmap.yaml');
}

function cpuCores(quantity: string): number {
  return quantity.endsWith('m') ? Number(quantity.slice(0, -1)) / 1000 : Number(quantity);
}

function memoryBytes(quantity: string): number {
  const units: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, M: 1e6, G: 1e9 };
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|M|G)?$/.exec(quantity);
  assert.ok(match, `memory quantity ${quantity}`);
  return Number(match[1]) * (match[2] ? (units[match[2]] ?? NaN) : 1);
}

const subsetOf = (wanted: Record<string, string> | undefined, labels: Record<string, string>) =>
  Object.entries(wanted ?? {}).every(([key, value]) => labels[key] === value);

describe('deployment files', () => {
  let rawConfig: Record<string, unknown>;
  let server: TestServer;
  before(async () => {
    const text = configMap.data?.['streamqc.yaml'];
    assert.ok(text, 'the ConfigMap holds streamqc.yaml');
    rawConfig = (parseAllDocuments(text) as unknown as { toJS(): unknown }[])[0]?.toJS() as Record<
      string,
      unknown
    >;
    server = await startTestServer();
  });
  after(async () => {
    await server.server.close();
  });

  it('every manifest parses and names its kind; the kustomization lists each one but the Secret example', () => {
    assert.ok(yamlFiles.length >= 5);
    for (const manifest of all) {
      assert.ok(manifest.apiVersion && manifest.kind && manifest.metadata.name, JSON.stringify(manifest));
    }
    const kustomization = manifests.get('kustomization.yaml')?.[0] as unknown as { resources: string[] };
    const expected = yamlFiles.filter((f) => f !== 'kustomization.yaml' && f !== 'secret.example.yaml');
    assert.deepEqual([...kustomization.resources].sort(), expected.sort());
  });

  it("the ConfigMap's configuration passes the service's validation and listens where the pod is reached", (t) => {
    const config = validatedConfig(t, rawConfig);
    assert.equal(config.http.host, '0.0.0.0', 'probes come from outside the pod');
    const port = container.ports.find((p) => p.name === 'http');
    assert.equal(port?.containerPort, config.http.port);
    assert.ok(config.archive.s3, 'the S3 archive is configured');
  });

  it('the config file the container is told to read is the mounted ConfigMap key', () => {
    assert.deepEqual(container.args.slice(0, 2), ['run', '--config']);
    const configPath = container.args[2] ?? '';
    const mount = container.volumeMounts.find((m) => m.mountPath === dirname(configPath));
    const volume = workerSpec?.volumes.find((v) => v.name === mount?.name);
    assert.equal(volume?.configMap?.name, 'streamqc-config');
    assert.ok(configMap.data?.[basename(configPath)] !== undefined);
  });

  it('storage and evidence paths are on a writable volume (the root file system is read-only)', (t) => {
    const config = validatedConfig(t, rawConfig);
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    for (const path of [config.storage.path, config.storage.evidenceDirectory]) {
      const mount = container.volumeMounts.find((m) => path.startsWith(`${m.mountPath}/`));
      assert.ok(mount && !mount.readOnly, `${path} is on a writable mount`);
      assert.ok(workerSpec?.volumes.find((v) => v.name === mount.name)?.emptyDir);
    }
  });

  it('probe paths are answered by the real API: liveness /healthz, readiness /readyz (503 when not ready)', async () => {
    const probes = [container.livenessProbe, container.readinessProbe, container.startupProbe];
    for (const probe of probes) {
      assert.ok(probe);
      assert.equal(probe.httpGet.port, 'http');
      const response = await server.request(probe.httpGet.path);
      assert.equal(response.status, 200, probe.httpGet.path);
    }
    assert.equal(container.livenessProbe.httpGet.path, '/healthz');
    assert.equal(container.readinessProbe.httpGet.path, '/readyz');
    server.api.ready = false;
    assert.equal((await server.request(container.readinessProbe.httpGet.path)).status, 503);
    assert.equal((await server.request(container.livenessProbe.httpGet.path)).status, 200);
    server.api.ready = true;
  });

  it('the Service and the disruption budget select the worker pods by their labels and named port', () => {
    const labels = worker.spec?.template?.metadata.labels ?? {};
    assert.ok(subsetOf(worker.spec?.selector?.matchLabels, labels));
    const service = only('Service', 'streamqc-api');
    // A Service selects by plain labels, a Deployment or a budget by matchLabels.
    const serviceSelector = (service.spec?.selector ?? {}) as Record<string, string>;
    assert.ok(Object.keys(serviceSelector).length > 0 && subsetOf(serviceSelector, labels));
    for (const port of service.spec?.ports ?? []) {
      assert.ok(
        container.ports.some((p) => p.name === port.targetPort || p.containerPort === port.targetPort),
      );
    }
    const budget = only('PodDisruptionBudget', 'streamqc-worker');
    assert.ok(subsetOf(budget.spec?.selector?.matchLabels, labels));
  });

  it('secrets come from the Secret by keys it has, under the names the config and the AWS SDK read', () => {
    const secret = parseAllDocuments(readFileSync(join(kubernetesDirectory, 'secret.example.yaml'), 'utf8'));
    const secretManifest = (secret as unknown as { toJS(): Manifest }[])[0]?.toJS();
    const secretKeys = Object.keys(secretManifest?.stringData ?? {});
    const fromSecret = new Map(
      container.env.flatMap((variable) => {
        const ref = variable.valueFrom?.secretKeyRef;
        if (!ref) return [];
        assert.equal(ref.name, secretManifest?.metadata.name);
        assert.ok(secretKeys.includes(ref.key), `secret key ${ref.key}`);
        return [[variable.name, ref.key] as const];
      }),
    );
    const http = rawConfig.http as { authTokenEnv: string };
    const storage = rawConfig.storage as { postgres: { urlEnv: string } };
    const cluster = rawConfig.cluster as { postgresUrlEnv: string };
    for (const name of [
      http.authTokenEnv,
      storage.postgres.urlEnv,
      cluster.postgresUrlEnv,
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
    ]) {
      assert.ok(fromSecret.has(name), `${name} comes from the Secret`);
    }
    assert.ok(!JSON.stringify(configMap).includes('replace-me'), 'no secret in the ConfigMap');
  });

  it('requests cover the measured per-channel cost at the annotated channels per pod and target load', () => {
    const channelsPerPod = Number(worker.metadata.annotations?.['streamqc.io/channels-per-pod']);
    const targetLoad = Number(worker.metadata.annotations?.['streamqc.io/target-load']);
    assert.ok(channelsPerPod >= 1 && targetLoad > 0 && targetLoad <= 1);
    const live = builtInBenchCosts.profiles['1080p30']?.live;
    assert.ok(live);
    const { requests, limits } = container.resources;
    assert.ok(
      cpuCores(requests.cpu) >= (channelsPerPod * live.coresPerChannel) / targetLoad - 1e-9,
      requests.cpu,
    );
    assert.ok(memoryBytes(requests.memory) >= channelsPerPod * live.rssMb * 1e6, requests.memory);
    assert.ok(memoryBytes(limits.memory) >= memoryBytes(requests.memory));
  });

  it('the pod runs as a non-root user without privilege escalation', () => {
    assert.equal(workerSpec?.securityContext.runAsNonRoot, true);
    assert.notEqual(workerSpec?.securityContext.runAsUser, 0);
    assert.equal(container.securityContext.allowPrivilegeEscalation, false);
  });
});

describe('Dockerfile', () => {
  const lines = readFileSync(join(root, 'Dockerfile'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'));
  const instructions = (name: string) => lines.filter((line) => line.startsWith(`${name} `));

  it('has a build and a runtime stage on Node 20 Debian slim, and runs as a non-root user', () => {
    const stages = instructions('FROM');
    assert.ok(stages.length >= 2, 'multi-stage');
    for (const stage of stages) assert.match(stage, /^FROM node:20-[a-z]+-slim\b/);
    const finalStage = lines.slice(lines.lastIndexOf(stages.at(-1) ?? ''));
    const user = finalStage.filter((line) => line.startsWith('USER ')).at(-1);
    assert.ok(user && !/^USER (root|0)\b/.test(user), `final stage user: ${user}`);
  });

  it("starts the package's command with the config path the manifest mounts, on the port it exposes", () => {
    const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      bin: { streamqc: string };
    };
    const entrypoint = JSON.parse(
      instructions('ENTRYPOINT')[0]?.slice('ENTRYPOINT '.length) ?? '[]',
    ) as string[];
    assert.equal(entrypoint.at(-1), `/app/${packageJson.bin.streamqc}`);
    const command = JSON.parse(instructions('CMD').at(-1)?.slice('CMD '.length) ?? '[]') as string[];
    assert.deepEqual(command, container.args);
    assert.deepEqual(instructions('EXPOSE'), [`EXPOSE ${container.ports[0]?.containerPort}`]);
  });
});
