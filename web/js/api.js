// The broker's JSON API (/api/...). Every call resolves to the parsed body or throws an
// ApiError carrying the API's {"error": CODE, "message": ...}.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function api(method, path, body) {
  const init = { method, headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, 'UNREACHABLE', `The broker did not answer (${err.message}).`);
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const code = data?.error || `HTTP_${res.status}`;
    const message = data?.message || text.trim().slice(0, 300) || res.statusText || 'request failed';
    throw new ApiError(res.status, code, message);
  }
  return data;
}

const enc = encodeURIComponent;

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v != null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export const Api = {
  overview: () => api('GET', '/api/overview'),
  topics: () => api('GET', '/api/topics'),
  topic: (name) => api('GET', `/api/topics/${enc(name)}`),
  createTopic: (body) => api('POST', '/api/topics', body),
  deleteTopic: (name) => api('DELETE', `/api/topics/${enc(name)}`),
  alterConfigs: (name, set, del) => api('PATCH', `/api/topics/${enc(name)}/configs`, { set, delete: del }),
  addPartitions: (name, count) => api('POST', `/api/topics/${enc(name)}/partitions`, { count }),
  deleteRecords: (name, partition, offset) =>
    api('POST', `/api/topics/${enc(name)}/delete-records`, { partition, offset }),
  messages: (name, params) => api('GET', `/api/topics/${enc(name)}/messages${query(params)}`),
  produce: (name, body) => api('POST', `/api/topics/${enc(name)}/messages`, body),
  groups: () => api('GET', '/api/groups'),
  group: (id) => api('GET', `/api/groups/${enc(id)}`),
  resetOffsets: (id, body) => api('POST', `/api/groups/${enc(id)}/reset-offsets`, body),
  deleteGroup: (id) => api('DELETE', `/api/groups/${enc(id)}`),
  transactions: () => api('GET', '/api/transactions'),
  producers: (topic) => api('GET', `/api/producers${query({ topic })}`),
};
