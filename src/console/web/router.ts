/** Pages live in the URL fragment (#/people?q=…), so the gateway serves one static page and bookmarks work. */
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  /** The path segments: #/people/abc is ['people', 'abc']. */
  segments: string[];
  params: URLSearchParams;
}

function current(): Route {
  const [path = '', search = ''] = location.hash.replace(/^#\/?/, '').split('?');
  return { segments: path.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(search) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const update = () => setRoute(current());
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}

/** A link target: the path, and the parameters that are set. */
export function href(path: string, params: Record<string, string | null | undefined> = {}): string {
  const set = Object.entries(params).filter((entry): entry is [string, string] => Boolean(entry[1]));
  return `#/${path}${set.length ? `?${new URLSearchParams(set).toString()}` : ''}`;
}

export function navigate(path: string, params: Record<string, string | null | undefined> = {}): void {
  location.hash = href(path, params);
}
