// #/overview: the broker, its listeners, uptime, data directory and counts.
import { Api } from '../api.js';
import { h, clear, section, stat, link, badge } from '../dom.js';
import { bytes, duration, num, time } from '../format.js';

export default async function overview(ctx) {
  ctx.title('Overview');
  const body = h('div.overview', { testid: 'overview' });
  ctx.root.append(h('h1', null, 'Overview'), body);

  const render = (o) => {
    const b = o.broker || {};
    const d = o.data_dir || {};
    const c = o.counts || {};
    const s = o.settings || {};
    const used = d.fs_total_bytes ? d.fs_total_bytes - d.fs_free_bytes : null;
    const usedPct = d.fs_total_bytes ? Math.round((100 * used) / d.fs_total_bytes) : null;
    clear(body,
      h('div.counts', null,
        h('a.count-card', { href: '#/topics', testid: 'overview-count-topics' },
          h('div.count', null, num(c.topics)), h('div.count-label', null, 'topics')),
        h('div.count-card', { testid: 'overview-count-partitions' },
          h('div.count', null, num(c.partitions)), h('div.count-label', null, 'partitions')),
        h('a.count-card', { href: '#/groups', testid: 'overview-count-groups' },
          h('div.count', null, num(c.groups)), h('div.count-label', null, 'consumer groups')),
        h('div.count-card', { testid: 'overview-count-connections' },
          h('div.count', null, num(c.connections)), h('div.count-label', null, 'Kafka connections'))),
      h('div.cards', null,
        section('Broker',
          h('div.stats', null,
            stat('Version', b.version, 'overview-version'),
            stat('Node id', b.node_id, 'overview-node'),
            stat('Cluster id', h('code', null, b.cluster_id ?? '–'), 'overview-cluster'),
            stat('Up for', duration(b.uptime_ms), 'overview-uptime'),
            stat('Started', time(b.started_at_ms)))),
        section('Listeners',
          h('ul.plain', { testid: 'overview-listeners' },
            (o.listeners || []).map((l) => h('li', null, badge(l.name), ' ', h('code', null, `${l.host}:${l.port}`))),
            o.http ? h('li', null, badge('HTTP', 'info'), ' ', h('code', null, o.http), h('span.muted', null, ' console, API, /metrics ')) : null),
          h('p.muted', null, link('/metrics', 'Prometheus metrics', { target: '_blank' }))),
        section('Data directory',
          h('div.stats', null,
            stat('Path', h('code', null, d.path ?? '–'), 'overview-data-path'),
            stat('Used by samsa', bytes(d.size_bytes), 'overview-data-size'),
            stat('File system free', d.fs_total_bytes ? `${bytes(d.fs_free_bytes)} of ${bytes(d.fs_total_bytes)}` : '–')),
          usedPct != null
            ? h('div.meter', { title: `${usedPct}% of the file system used`, testid: 'overview-fs-meter' },
              h('div.meter-fill', { style: `width:${usedPct}%`, class: usedPct > 90 ? 'bad' : usedPct > 75 ? 'warn' : '' }))
            : null),
        section('Settings',
          h('div.stats', null,
            stat('delete.topic.enable', String(s.delete_topic_enable ?? '–'), 'overview-delete-topic-enable'),
            stat('auto.create.topics.enable', String(s.auto_create_topics_enable ?? '–'))))));
  };

  const load = async () => {
    const o = await Api.overview();
    if (ctx.alive()) render(o);
  };
  await load();
  ctx.every(load);
}
