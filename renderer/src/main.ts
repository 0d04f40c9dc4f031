// The renderer's entry: one AppState over window.arbor, one App component.
import { mount } from 'svelte';
import './app.css';
import App from './components/App.svelte';
import { arbor } from './lib/arbor.js';
import { AppState } from './lib/state.svelte.js';

const target = document.getElementById('app');
if (target === null) throw new Error('index.html has no #app');
const state = new AppState(arbor());
mount(App, { target, props: { state } });
void state.start();
