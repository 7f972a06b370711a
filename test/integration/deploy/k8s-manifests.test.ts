/**
 * The Kubernetes manifests, checked the way a cluster would see them: every overlay is
 * rendered with `kubectl kustomize`, every object is validated against the Kubernetes
 * OpenAPI schemas (kubernetes-models), and the product's operational rules are
 * asserted on the rendered result — probes on the health endpoints, a drain that fits
 * in the grace period, non-root pods, an HPA and a PDB that really target the api.
 *
 * No cluster is needed. `kubectl` is: without it the suite fails (a skipped manifest
 * check would let broken deployables through). The schemas do not reject unknown
 * fields (the Kubernetes OpenAPI allows them), so a misspelled optional field passes
 * validation; the rule assertions below catch the misspellings that matter (a probe or
 * a hook under a wrong name simply is missing).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { parse, parseAllDocuments } from 'yaml';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import {
  HorizontalPodAutoscaler,
  type IHorizontalPodAutoscaler,
} from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job, type IJob } from 'kubernetes-models/batch/v1/Job';
import { PodDisruptionBudget, type IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import { Secret, type ISecret } from 'kubernetes-models/v1/Secret';
import { Service, type IService } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const K8S_DIR = path.join(REPO_ROOT, 'k8s');
const OVERLAYS_DIR = path.join(K8S_DIR, 'overlays');

/** Every kind the manifests may contain. Anything else fails: add its model here first. */
const MODELS: readonly ModelClass[] = [
  ConfigMap,
  Secret,
  Service,
  ServiceAccount,
  Deployment,
  Job,
  HorizontalPodAutoscaler,
  PodDisruptionBudget,
];

/** Keys of `groundwork-secrets` (docs/http-api.md, operator contract); none may sit in a ConfigMap. */
const SECRET_KEYS = ['DATABASE_URL', 'REDIS_URL', 'SMTP_URL', 'JWT_SIGNING_KEYS', 'ENCRYPTION_KEY'] as const;

/**
 * Kustomization fields that both kustomize v2.0.3 (Debian's kubectl 1.20) and v5 know
 * (docs/architecture.md, runtime facts). `bases` is here because v2.0.3 loads directories only
 * through it; v5 still accepts it.
 */
const PORTABLE_KUSTOMIZATION_FIELDS = new Set([
  'apiVersion',
  'kind',
  'namespace',
  'namePrefix',
  'commonLabels',
  'bases',
  'resources',
  'patchesStrategicMerge',
  'images',
  'configMapGenerator',
]);
const PORTABLE_GENERATOR_FIELDS = new Set(['name', 'behavior', 'literals', 'files']);

interface KubernetesModel {
  validate(): void;
}

interface ModelClass {
  readonly apiVersion: string;
  readonly kind: string;
  new (data: never): KubernetesModel;
}

/** What every rendered object has; the models' type guards narrow it to the full shape. */
interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; labels?: { [key: string]: string } };
}

const modelsByType = new Map(MODELS.map((model) => [`${model.apiVersion}/${model.kind}`, model]));

/** Validates one object against the schema of its apiVersion and kind; throws on any error. */
function validateObject(object: KubeObject): void {
  const Model = modelsByType.get(`${object.apiVersion}/${object.kind}`);
  if (Model === undefined) {
    throw new Error(`no schema for ${object.apiVersion} ${object.kind}: add its kubernetes-models class to MODELS`);
  }
  // The model constructors take their own typed shapes; validate() is what checks them.
  new Model(object as never).validate();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isKubeObject(value: unknown): value is KubeObject {
  return (
    isRecord(value) &&
    typeof value.apiVersion === 'string' &&
    typeof value.kind === 'string' &&
    isRecord(value.metadata) &&
    typeof value.metadata.name === 'string'
  );
}

const renders = new Map<string, KubeObject[]>();

/** `kubectl kustomize k8s/overlays/<overlay>`, parsed; rendered once per overlay. */
function render(overlay: string): KubeObject[] {
  const cached = renders.get(overlay);
  if (cached !== undefined) return cached;

  let output: string;
  try {
    output = execFileSync('kubectl', ['kustomize', path.join(OVERLAYS_DIR, overlay)], {
      encoding: 'utf8',
      // stderr carries v5's deprecation warnings for the v2-compatible fields.
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    if (isRecord(error) && error.code === 'ENOENT') {
      throw new Error(
        'kubectl is not on PATH: the manifest tests render the overlays with `kubectl kustomize`. ' +
          'Install it (Debian/Ubuntu: `apt-get install kubernetes-client`) and run the tests again.',
      );
    }
    const stderr = isRecord(error) ? String(error.stderr ?? '') : '';
    throw new Error(`kubectl kustomize k8s/overlays/${overlay} failed:\n${stderr || String(error)}`);
  }

  const objects: KubeObject[] = [];
  for (const document of parseAllDocuments(output)) {
    if (document.errors.length > 0) {
      throw new Error(`unparsable YAML from overlay ${overlay}: ${document.errors.map((e) => e.message).join('; ')}`);
    }
    const value: unknown = document.toJS();
    if (value === null || value === undefined) continue;
    if (!isKubeObject(value)) {
      throw new Error(`overlay ${overlay} rendered an object without apiVersion/kind/metadata.name`);
    }
    objects.push(value);
  }
  renders.set(overlay, objects);
  return objects;
}

function overlayNames(): string[] {
  return readdirSync(OVERLAYS_DIR)
    .filter((name) => existsSync(path.join(OVERLAYS_DIR, name, 'kustomization.yaml')))
    .sort();
}

function component(labels: Record<string, string> | undefined): string | undefined {
  return labels?.['app.kubernetes.io/component'];
}

function deploymentOf(objects: KubeObject[], name: 'api' | 'worker'): IDeployment {
  const found = objects.filter(Deployment.is).filter((d) => component(d.metadata?.labels) === name);
  expect(found).toHaveLength(1);
  return found[0];
}

function migrationJob(objects: KubeObject[]): IJob {
  const jobs = objects.filter(Job.is).filter((j) => component(j.metadata?.labels) === 'migrate');
  expect(jobs).toHaveLength(1);
  return jobs[0];
}

function podTemplate(workload: IDeployment | IJob): IPodTemplateSpec {
  const template = workload.spec?.template;
  if (template === undefined) throw new Error(`${workload.metadata?.name}: no pod template`);
  return template;
}

function containersOf(workload: IDeployment | IJob): IContainer[] {
  return podTemplate(workload).spec?.containers ?? [];
}

/** The single generated ConfigMap holding the operator settings. */
function settings(objects: KubeObject[]): Record<string, string> {
  const maps = objects.filter(ConfigMap.is).filter((m) => m.metadata?.name?.startsWith('groundwork-config'));
  expect(maps).toHaveLength(1);
  return maps[0].data ?? {};
}

function numberSetting(config: Record<string, string>, key: string): number {
  const value = Number(config[key]);
  if (!Number.isInteger(value)) throw new Error(`ConfigMap ${key} is not an integer: ${config[key]}`);
  return value;
}

/** A probe's or Service's port (number or name) as the container port number it reaches. */
function containerPortNumber(container: IContainer, port: number | string | undefined): number | undefined {
  if (typeof port === 'number') return port;
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

/** Seconds slept by a preStop exec hook such as ["/bin/sleep", "5"] or ["sh", "-c", "sleep 5"]. */
function preStopSleepSeconds(container: IContainer): number | undefined {
  const command = container.lifecycle?.preStop?.exec?.command?.join(' ');
  const match = command === undefined ? null : /(?:^|[\s/])sleep\s+(\d+)/.exec(command);
  return match === null ? undefined : Number(match[1]);
}

function isSubset(subset: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(subset).every(([key, value]) => labels?.[key] === value);
}

function imageTag(image: string): string {
  const afterRegistry = image.slice(image.lastIndexOf('/') + 1);
  return afterRegistry.includes('@')
    ? afterRegistry.slice(afterRegistry.indexOf('@') + 1)
    : (afterRegistry.split(':')[1] ?? '');
}

/** The image without its tag or digest: `registry.example.com/groundwork:0.1.0` → `registry.example.com/groundwork`. */
function imageName(image: string): string {
  const slash = image.lastIndexOf('/');
  const afterRegistry = image.slice(slash + 1);
  return image.slice(0, slash + 1) + afterRegistry.split(/[:@]/)[0];
}

/** A package.json script's command as an argument list (the start scripts have no quoting). */
function startScript(name: string): string[] {
  const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  return manifest.scripts[name].split(/\s+/);
}

function kustomizationFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) return kustomizationFiles(full);
    return entry.name === 'kustomization.yaml' ? [full] : [];
  });
}

/** Sets a nested field of a plain object in place (used to corrupt a rendered object). */
function setField(target: unknown, fieldPath: readonly (string | number)[], value: unknown): void {
  let node: unknown = target;
  for (const key of fieldPath.slice(0, -1)) {
    node = Array.isArray(node) ? node[Number(key)] : isRecord(node) ? node[key] : undefined;
  }
  const last = fieldPath[fieldPath.length - 1];
  if (Array.isArray(node)) node[Number(last)] = value;
  else if (isRecord(node)) node[String(last)] = value;
  else throw new Error(`no object at ${fieldPath.slice(0, -1).join('.')}`);
}

describe('k8s manifests', () => {
  it('has a dev and a prod overlay', () => {
    expect(overlayNames()).toEqual(expect.arrayContaining(['dev', 'prod']));
  });

  it('uses only kustomization fields that kustomize v2.0.3 and v5 both understand', () => {
    const problems: string[] = [];
    for (const file of kustomizationFiles(K8S_DIR)) {
      const where = path.relative(REPO_ROOT, file);
      const directory = path.dirname(file);
      const kustomization: unknown = parse(readFileSync(file, 'utf8'));
      if (!isRecord(kustomization)) {
        problems.push(`${where}: not a mapping`);
        continue;
      }
      for (const field of Object.keys(kustomization)) {
        if (!PORTABLE_KUSTOMIZATION_FIELDS.has(field))
          problems.push(`${where}: field \`${field}\` is unknown to kustomize v2.0.3`);
      }
      if (kustomization.apiVersion !== undefined && kustomization.apiVersion !== 'kustomize.config.k8s.io/v1beta1') {
        problems.push(`${where}: apiVersion must be kustomize.config.k8s.io/v1beta1`);
      }
      // v2.0.3 reads `resources` and patches as files inside the kustomization's own
      // directory tree, and other kustomizations only through `bases`.
      const files = [kustomization.resources, kustomization.patchesStrategicMerge].flatMap((list) =>
        Array.isArray(list) ? list : [],
      );
      for (const entry of files) {
        const resolved = typeof entry === 'string' ? path.resolve(directory, entry) : '';
        if (
          typeof entry !== 'string' ||
          !resolved.startsWith(directory + path.sep) ||
          !existsSync(resolved) ||
          !statSync(resolved).isFile()
        ) {
          problems.push(
            `${where}: ${JSON.stringify(entry)} must be a file in or below ${path.relative(REPO_ROOT, directory)}`,
          );
        }
      }
      for (const base of Array.isArray(kustomization.bases) ? kustomization.bases : []) {
        if (typeof base !== 'string' || !existsSync(path.resolve(directory, base, 'kustomization.yaml'))) {
          problems.push(`${where}: base ${JSON.stringify(base)} is not a kustomization directory`);
        }
      }
      for (const generator of Array.isArray(kustomization.configMapGenerator) ? kustomization.configMapGenerator : []) {
        for (const field of isRecord(generator) ? Object.keys(generator) : ['<not a mapping>']) {
          if (!PORTABLE_GENERATOR_FIELDS.has(field))
            problems.push(`${where}: configMapGenerator field \`${field}\` is not portable`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  describe.each(overlayNames())('overlay %s', (overlay) => {
    it('renders with kubectl kustomize', () => {
      const kinds = new Set(render(overlay).map((o) => o.kind));
      for (const kind of [
        'ConfigMap',
        'Deployment',
        'Service',
        'Job',
        'HorizontalPodAutoscaler',
        'PodDisruptionBudget',
      ]) {
        expect(kinds).toContain(kind);
      }
    });

    it('validates every object against the Kubernetes schemas', () => {
      const failures: string[] = [];
      for (const object of render(overlay)) {
        try {
          validateObject(object);
        } catch (error) {
          failures.push(`${object.kind}/${object.metadata?.name}: ${(error as Error).message}`);
        }
      }
      expect(failures).toEqual([]);
    });

    it('probes the api and the worker on their health endpoints and configured ports', () => {
      const objects = render(overlay);
      const config = settings(objects);
      const expectedPort = { api: numberSetting(config, 'PORT'), worker: numberSetting(config, 'WORKER_PORT') };
      for (const name of ['api', 'worker'] as const) {
        const containers = containersOf(deploymentOf(objects, name));
        expect(containers.length).toBeGreaterThan(0);
        for (const container of containers) {
          const live = container.livenessProbe?.httpGet;
          const ready = container.readinessProbe?.httpGet;
          expect({ name, live: live?.path, ready: ready?.path }).toEqual({
            name,
            live: '/health/live',
            ready: '/health/ready',
          });
          expect(containerPortNumber(container, live?.port)).toBe(expectedPort[name]);
          expect(containerPortNumber(container, ready?.port)).toBe(expectedPort[name]);
        }
      }
      for (const container of containersOf(deploymentOf(objects, 'api'))) {
        expect(container.startupProbe?.httpGet?.path).toBe('/health/live');
        expect(containerPortNumber(container, container.startupProbe?.httpGet?.port)).toBe(expectedPort.api);
      }
    });

    it('gives the api a preStop pause and both apps a grace period longer than the drain', () => {
      const objects = render(overlay);
      const config = settings(objects);
      const drainSeconds =
        (numberSetting(config, 'SHUTDOWN_DRAIN_DELAY_MS') + numberSetting(config, 'SHUTDOWN_TIMEOUT_MS')) / 1000;
      for (const name of ['api', 'worker'] as const) {
        const deployment = deploymentOf(objects, name);
        const grace = podTemplate(deployment).spec?.terminationGracePeriodSeconds ?? 30;
        for (const container of containersOf(deployment)) {
          const preStop = preStopSleepSeconds(container) ?? 0;
          if (name === 'api') expect(preStop).toBeGreaterThan(0);
          // The kubelet counts the grace period from the start of preStop.
          expect(grace).toBeGreaterThan(preStop + drainSeconds);
        }
      }
    });

    it('runs every pod as non-root on a read-only root filesystem with writable emptyDirs', () => {
      const objects = render(overlay);
      const workloads: (IDeployment | IJob)[] = [
        deploymentOf(objects, 'api'),
        deploymentOf(objects, 'worker'),
        migrationJob(objects),
      ];
      for (const workload of workloads) {
        const pod = podTemplate(workload).spec;
        const emptyDirs = new Set((pod?.volumes ?? []).filter((v) => v.emptyDir !== undefined).map((v) => v.name));
        for (const container of containersOf(workload)) {
          const where = `${workload.metadata?.name}/${container.name}`;
          const runAsNonRoot = container.securityContext?.runAsNonRoot ?? pod?.securityContext?.runAsNonRoot;
          const runAsUser = container.securityContext?.runAsUser ?? pod?.securityContext?.runAsUser;
          expect({ where, runAsNonRoot, rootUser: runAsUser === 0 }).toEqual({
            where,
            runAsNonRoot: true,
            rootUser: false,
          });
          expect({ where, ...container.securityContext }).toMatchObject({
            where,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
          });
          const writable = (container.volumeMounts ?? []).filter((m) => emptyDirs.has(m.name)).map((m) => m.mountPath);
          const needed = workload.kind === 'Job' ? ['/tmp'] : ['/tmp', '/app/var'];
          expect({ where, writable }).toEqual({ where, writable: expect.arrayContaining(needed) });
        }
      }
    });

    it('declares resource requests and limits for every container', () => {
      const objects = render(overlay);
      for (const workload of [...objects.filter(Deployment.is), ...objects.filter(Job.is)]) {
        for (const container of containersOf(workload)) {
          const { requests, limits } = container.resources ?? {};
          expect({
            container: `${workload.metadata?.name}/${container.name}`,
            requests: Object.keys(requests ?? {}).sort(),
            limits: Object.keys(limits ?? {}).sort(),
          }).toEqual({
            container: `${workload.metadata?.name}/${container.name}`,
            requests: ['cpu', 'memory'],
            limits: ['cpu', 'memory'],
          });
        }
      }
    });

    it('scales the api Deployment with the HPA, which alone owns its replica count', () => {
      const objects = render(overlay);
      const api = deploymentOf(objects, 'api');
      const hpas: IHorizontalPodAutoscaler[] = objects.filter(HorizontalPodAutoscaler.is);
      expect(hpas).toHaveLength(1);
      const [hpa] = hpas;
      expect(hpa.spec?.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: api.metadata?.name });
      expect(hpa.spec?.minReplicas ?? 1).toBeLessThanOrEqual(hpa.spec?.maxReplicas ?? 0);
      // A `replicas` in the Deployment would be re-applied over the HPA's count on every deploy.
      expect(api.spec?.replicas).toBeUndefined();
    });

    it('limits disruptions of exactly the api pods with the PDB', () => {
      const objects = render(overlay);
      const pdbs: IPodDisruptionBudget[] = objects.filter(PodDisruptionBudget.is);
      expect(pdbs).toHaveLength(1);
      const selector = pdbs[0].spec?.selector?.matchLabels ?? {};
      expect(Object.keys(selector).length).toBeGreaterThan(0);
      expect(isSubset(selector, podTemplate(deploymentOf(objects, 'api')).metadata?.labels)).toBe(true);
      expect(isSubset(selector, podTemplate(deploymentOf(objects, 'worker')).metadata?.labels)).toBe(false);
      expect(isSubset(selector, podTemplate(migrationJob(objects)).metadata?.labels)).toBe(false);
    });

    it('routes the api Service to the api container ports: http to PORT, metrics to METRICS_PORT', () => {
      const objects = render(overlay);
      const api = deploymentOf(objects, 'api');
      const services: IService[] = objects.filter(Service.is).filter((s) => component(s.metadata?.labels) === 'api');
      expect(services).toHaveLength(1);
      const [service] = services;
      expect(isSubset(service.spec?.selector ?? {}, podTemplate(api).metadata?.labels)).toBe(true);
      const ports = service.spec?.ports ?? [];
      expect(ports.map((p) => p.name).sort()).toEqual(['http', 'metrics']);
      expect(ports.find((p) => p.name === 'http')?.port).toBe(80);
      const [container] = containersOf(api);
      const http = ports.find((p) => p.name === 'http');
      const metrics = ports.find((p) => p.name === 'metrics');
      expect(containerPortNumber(container, http?.targetPort)).toBe(numberSetting(settings(objects), 'PORT'));
      expect(containerPortNumber(container, metrics?.targetPort)).toBe(
        numberSetting(settings(objects), 'METRICS_PORT'),
      );
      expect(podTemplate(api).metadata?.annotations?.['prometheus.io/port']).toBe(
        String(numberSetting(settings(objects), 'METRICS_PORT')),
      );
    });

    it("runs each app with its start:* script's command line, node as PID 1", () => {
      const objects = render(overlay);
      for (const name of ['api', 'worker'] as const) {
        const [container] = containersOf(deploymentOf(objects, name));
        expect(container.command).toEqual(startScript(`start:${name}`));
      }
    });

    it('migrates with a bounded Job running db:migrate from the migrate image of the same release', () => {
      const objects = render(overlay);
      const job = migrationJob(objects);
      const [container] = containersOf(job);
      expect([...(container.command ?? []), ...(container.args ?? [])].join(' ')).toMatch(/\bdb:migrate\b/);
      // The Dockerfile's `migrate` target (the Prisma CLI), tagged like the apps' image.
      const appImage = containersOf(deploymentOf(objects, 'api'))[0].image ?? '';
      expect(imageName(container.image ?? '')).toBe(`${imageName(appImage)}-migrate`);
      expect(imageTag(container.image ?? '')).toBe(imageTag(appImage));
      expect(job.spec?.backoffLimit).toEqual(expect.any(Number));
      expect(job.spec?.ttlSecondsAfterFinished).toEqual(expect.any(Number));
      expect(['Never', 'OnFailure']).toContain(podTemplate(job).spec?.restartPolicy);
    });

    it('resolves every configuration reference and keeps secrets out of ConfigMaps', () => {
      const objects = render(overlay);
      const configMaps = new Set(objects.filter(ConfigMap.is).map((m) => m.metadata?.name));
      const workloads = [...objects.filter(Deployment.is), ...objects.filter(Job.is)];
      for (const container of workloads.flatMap(containersOf)) {
        for (const source of container.envFrom ?? []) {
          if (source.configMapRef !== undefined) expect(configMaps).toContain(source.configMapRef.name);
          if (source.secretRef !== undefined) expect(source.secretRef.name).toBe('groundwork-secrets');
        }
      }
      for (const map of objects.filter(ConfigMap.is)) {
        for (const key of SECRET_KEYS) expect(Object.keys(map.data ?? {})).not.toContain(key);
      }
      const config = settings(objects);
      expect(config.NODE_ENV).toBe('production');
      expect(config.APP_WEB_URL).toMatch(/^https?:\/\//);
      expect(config.PUBLIC_API_URL).toMatch(/^https?:\/\//);
    });

    it('trusts X-Forwarded-For from the ingress controller’s range only, never whole private networks', () => {
      const ranges = (settings(render(overlay)).TRUST_PROXY ?? '').split(',').map((range) => range.trim());
      expect(ranges.filter(Boolean).length).toBeGreaterThan(0);
      for (const range of ranges) {
        // A /24 is one node's pod range at most; anything wider lets other workloads spoof clients.
        expect(range).toMatch(/^\d+\.\d+\.\d+\.\d+\/(2[4-9]|3[0-2])$/);
      }
    });
  });

  describe('prod overlay', () => {
    it('keeps at least two replicas of each app', () => {
      const objects = render('prod');
      const [hpa] = objects.filter(HorizontalPodAutoscaler.is);
      expect(hpa.spec?.minReplicas).toBeGreaterThanOrEqual(2);
      expect(deploymentOf(objects, 'worker').spec?.replicas).toBeGreaterThanOrEqual(2);
    });

    it('runs one pinned release everywhere: one app image, its migrate image, one tag', () => {
      const objects = render('prod');
      const appImages = new Set(
        objects
          .filter(Deployment.is)
          .flatMap(containersOf)
          .map((c) => c.image ?? ''),
      );
      expect(appImages.size).toBe(1);
      const tags = new Set(
        [...objects.filter(Deployment.is), ...objects.filter(Job.is)]
          .flatMap(containersOf)
          .map((c) => imageTag(c.image ?? '')),
      );
      expect(tags.size).toBe(1);
      const [tag] = tags;
      expect(tag).toMatch(/^(\d+\.\d+\.\d+(-[\w.]+)?|sha256:[0-9a-f]{64})$/);
    });

    it('ships no Secret, so an apply never overwrites real credentials', () => {
      expect(render('prod').filter(Secret.is)).toEqual([]);
    });
  });

  describe('dev overlay', () => {
    it('runs a single small replica of each app from the dev image', () => {
      const objects = render('dev');
      const [hpa] = objects.filter(HorizontalPodAutoscaler.is);
      expect(hpa.spec?.minReplicas).toBe(1);
      expect(deploymentOf(objects, 'worker').spec?.replicas).toBe(1);
      for (const container of [
        deploymentOf(objects, 'api'),
        deploymentOf(objects, 'worker'),
        migrationJob(objects),
      ].flatMap(containersOf)) {
        expect(imageTag(container.image ?? '')).toBe('dev');
      }
    });

    it('carries an example Secret with every required key and placeholder values only', () => {
      const secrets: ISecret[] = render('dev').filter(Secret.is);
      expect(secrets.map((s) => s.metadata?.name)).toEqual(['groundwork-secrets']);
      const values = secrets[0].stringData ?? {};
      expect(Object.keys(values).sort()).toEqual([...SECRET_KEYS].sort());
      expect(values.JWT_SIGNING_KEYS).toContain('CHANGE_ME');
      expect(values.ENCRYPTION_KEY).toContain('CHANGE_ME');
    });
  });

  describe('schema validation', () => {
    function renderedApiDeployment(): KubeObject {
      const api = render('prod').find((o) => Deployment.is(o) && component(o.metadata?.labels) === 'api');
      if (api === undefined) throw new Error('no api Deployment rendered');
      return structuredClone(api);
    }

    it('accepts the rendered api Deployment as is', () => {
      expect(() => validateObject(renderedApiDeployment())).not.toThrow();
    });

    it('rejects a field of the wrong type', () => {
      const broken = renderedApiDeployment();
      setField(broken, ['spec', 'replicas'], 'three');
      expect(() => validateObject(broken)).toThrow(/replicas must be integer/);
    });

    it('rejects a wrong type deep inside the pod template', () => {
      const broken = renderedApiDeployment();
      setField(broken, ['spec', 'template', 'spec', 'containers', 0, 'ports', 0, 'containerPort'], 'http');
      expect(() => validateObject(broken)).toThrow(/containerPort must be integer/);
    });

    it('rejects a missing required field', () => {
      const broken = renderedApiDeployment();
      setField(broken, ['spec', 'template', 'spec', 'containers'], undefined);
      expect(() => validateObject(broken)).toThrow(/must have required property '?containers/);
    });

    it('rejects a kind it has no schema for', () => {
      const typo: KubeObject = { ...renderedApiDeployment(), kind: 'Deploymnet' };
      expect(() => validateObject(typo)).toThrow(/no schema for apps\/v1 Deploymnet/);
    });
  });
});
