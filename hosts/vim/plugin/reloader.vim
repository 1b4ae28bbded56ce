" reloader: reload Python packages used by Vim plugins, with all their submodules.
"
"   :ReloaderReload {package} ...   reload now (a dotted name or a folder)
"   :ReloaderAuto                   toggle reloading each saved .py file's module
"   :ReloaderListen [on|off|status] listen for reloads sent from your editor
"                                   (python -m reloader send); in your vimrc,
"                                   `let g:reloader_listen = 1` listens from the start
"
" Needs Vim 8.2 or later built with +python3.
if exists('g:loaded_reloader') || !has('python3')
  finish
endif
let g:loaded_reloader = 1

python3 import reloader_vim; reloader_vim.install()

command! -nargs=+ -complete=file ReloaderReload python3 reloader_vim.reload_command(<q-args>)
command! -nargs=0 ReloaderAuto call s:toggle_auto()
command! -nargs=? -complete=custom,s:listen_choices ReloaderListen python3 reloader_vim.listen_command(<q-args>)

function! s:listen_choices(...) abort
  return "on\noff\nstatus"
endfunction

augroup reloader_listen
  autocmd!
  autocmd VimLeavePre * python3 reloader_vim.stop()
augroup END
if get(g:, 'reloader_listen', 0)
  ReloaderListen on
endif

function! s:toggle_auto() abort
  if exists('#reloader_auto#BufWritePost')
    autocmd! reloader_auto
    augroup! reloader_auto
    echomsg 'reloader: reload on save is off'
  else
    augroup reloader_auto
      autocmd!
      autocmd BufWritePost *.py python3 reloader_vim.saved(vim.eval('expand("<afile>:p")'))
    augroup END
    echomsg 'reloader: reload on save is on'
  endif
endfunction
