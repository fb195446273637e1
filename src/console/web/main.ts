/** The web console: a static single page reading the registry through /graphql. */
import './console.css';
import { html, render } from 'htm/preact';
import { App } from './app';

render(html`<${App} />`, document.getElementById('console') as HTMLElement);
