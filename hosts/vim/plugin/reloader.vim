" reloader: reload Python packages used by Vim plugins, with all their submodules.
"
"   :ReloaderReload {package} ...   reload now (a dotted name or a folder)
"   :ReloaderAuto                   toggle reloading each saved .py file's module
"
" Needs Vim 8.2 or later built with +python3.
if exists('g:loaded_reloader') || !has('python3')
  finish
endif
let g:loaded_reloader = 1

python3 import reloader_vim; reloader_vim.install()

command! -nargs=+ -complete=file ReloaderReload python3 reloader_vim.reload_command(<q-args>)
command! -nargs=0 ReloaderAuto call s:toggle_auto()

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
