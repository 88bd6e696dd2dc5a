/**
 * The agent API's OpenAPI 3.1 document, served at `/openapi.json`. Written
 * by hand beside the routes (`app.ts`); `openapi.test.ts` checks that every
 * route is described and that the document is valid.
 */
const problem = { $ref: '#/components/responses/Problem' } as const;
const severityCounts = { type: 'object', additionalProperties: { type: 'integer', minimum: 0 }, description: 'findings by severity (UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL)' } as const;
const bearer = [{ bearer: [] }, {}] as const;

/** The document (see the module comment). */
export const OPENAPI = {
  openapi: '3.1.0',
  info: { title: 'Stella agent', version: '1', description: 'The node agent: scans on request and on schedule, keeps signed reports in the state repository.' },
  servers: [{ url: 'http://127.0.0.1:7480' }],
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'required when the agent has a token (always on a non-loopback address)' } },
    schemas: {
      Problem: {
        type: 'object',
        required: ['type', 'title', 'status', 'detail'],
        properties: { type: { type: 'string', format: 'uri' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' }, field: { type: 'string' } },
      },
      ScanRequest: {
        type: 'object',
        required: ['target'],
        additionalProperties: false,
        properties: {
          target: { type: 'string', minLength: 1, description: 'a path on the node (image archive, OCI layout, rootfs, project, SBOM) or registry://HOST/REPO:TAG' },
          commit: { type: 'boolean', default: false, description: 'sign the report and commit it on agents/<node>' },
          name: { type: 'string', description: 'name of the target in the report' },
        },
      },
      Scan: {
        type: 'object',
        required: ['id', 'status', 'target'],
        properties: {
          id: { type: 'string' },
          status: { enum: ['queued', 'running', 'done', 'failed'] },
          target: { type: 'string' },
          commit: { type: 'boolean' },
          summary: severityCounts,
          report: {
            type: 'object',
            properties: { path: { type: 'string' }, folder: { type: 'string' }, commit: { type: 'string' }, branch: { type: 'string' }, changed: { type: 'boolean' } },
          },
          error: { type: 'string' },
          attempts: { type: 'integer' },
          createdAt: { type: 'string', format: 'date-time' },
          startedAt: { type: 'string', format: 'date-time' },
          finishedAt: { type: 'string', format: 'date-time' },
        },
      },
      Finding: {
        type: 'object',
        required: ['id', 'target', 'purl', 'severity'],
        properties: { id: { type: 'string' }, target: { type: 'string' }, purl: { type: 'string' }, name: { type: 'string' }, installed: { type: 'string' }, fixed: { type: 'string' }, severity: { type: 'string' } },
      },
    },
    responses: {
      Problem: { description: 'an RFC 9457 problem document', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
    },
  },
  paths: {
    '/v1/scans': {
      post: {
        summary: 'queue a scan',
        security: bearer,
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/ScanRequest' } } } },
        responses: {
          '202': { description: 'accepted and stored', content: { 'application/json': { schema: { type: 'object', required: ['id', 'status'], properties: { id: { type: 'string' }, status: { const: 'queued' } } } } } },
          '400': problem,
          '401': problem,
          '429': { ...problem, description: 'the queue is full; see Retry-After' },
          '503': problem,
        },
      },
    },
    '/v1/scans/{id}': {
      get: {
        summary: 'one scan',
        security: bearer,
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
          {
            name: 'wait',
            in: 'query',
            schema: { type: 'integer', minimum: 0, maximum: 30000 },
            description: 'milliseconds to hold the answer until the scan is done or failed (a long poll); the answer shows the status at that moment, which may still be queued or running',
          },
        ],
        responses: { '200': { description: 'the scan', content: { 'application/json': { schema: { $ref: '#/components/schemas/Scan' } } } }, '400': problem, '401': problem, '404': problem },
      },
    },
    '/v1/targets': {
      get: {
        summary: 'scheduled targets and the last scan of each target',
        security: bearer,
        responses: { '200': { description: 'targets', content: { 'application/json': { schema: { type: 'object', properties: { targets: { type: 'array', items: { type: 'object' } } } } } } }, '401': problem },
      },
    },
    '/v1/findings': {
      get: {
        summary: 'findings of the last scan of each target',
        security: bearer,
        parameters: [
          { name: 'severity', in: 'query', schema: { type: 'string' }, description: 'comma-separated levels, e.g. HIGH,CRITICAL' },
          { name: 'target', in: 'query', schema: { type: 'string' }, description: 'a target as submitted, or its name' },
          { name: 'id', in: 'query', schema: { type: 'string' }, description: 'an advisory id' },
        ],
        responses: {
          '200': { description: 'findings', content: { 'application/json': { schema: { type: 'object', properties: { findings: { type: 'array', items: { $ref: '#/components/schemas/Finding' } } } } } } },
          '400': problem,
          '401': problem,
        },
      },
    },
    '/healthz': { get: { summary: 'the process answers', responses: { '200': { description: 'alive' } } } },
    '/readyz': { get: { summary: 'the advisory index is loaded and the state repository readable', responses: { '200': { description: 'ready' }, '503': problem } } },
    '/metrics': { get: { summary: 'Prometheus text format', security: bearer, responses: { '200': { description: 'metrics', content: { 'text/plain': { schema: { type: 'string' } } } }, '401': problem } } },
    '/openapi.json': { get: { summary: 'this document', responses: { '200': { description: 'OpenAPI 3.1' } } } },
  },
} as const;
